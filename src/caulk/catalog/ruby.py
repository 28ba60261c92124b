"""Installed Ruby gems: `specifications/*.gemspec` (RubyGems' `Gem::Specification#to_ruby` output:
`s.name = "rack".freeze`, `s.version = "2.2.22"`), read without running Ruby. Debian's gems
(/usr/share/rubygems-integration) belong to dpkg packages and are not reported again."""

from __future__ import annotations

import re

from packageurl import PackageURL

from caulk.catalog.analyzer import ContentAnalyzer
from caulk.catalog.langfile import Found, LanguageFileCataloger

__all__ = ["CATALOGER", "parse_gemspec"]

_PATH = re.compile(r"/specifications/(default/)?[^/]+\.gemspec$")
_NAME = re.compile(r"^\s*\w+\.name\s*=\s*(?:%q\{|[\"'])([^\"'}]+)", re.M)
_VERSION = re.compile(
    r"^\s*\w+\.version\s*=\s*(?:Gem::Version\.new\(\s*)?(?:%q\{|[\"'])([^\"'}]+)", re.M
)
_LICENSES = re.compile(r"^\s*\w+\.licenses?\s*=\s*\[?([^\n]*)", re.M)
_STUB = re.compile(r"^# stub: (\S+) (\S+)", re.M)


def parse_gemspec(_path: str, data: bytes) -> tuple[Found, ...]:
    if b"\x00" in data[:4096]:
        raise ValueError("binary data where a gemspec was expected")
    text = data.decode("utf-8", "replace")
    name, version = _NAME.search(text), _VERSION.search(text)
    if name is None or version is None:
        stub = _STUB.search(text)
        if stub is None:
            raise ValueError("gemspec without a literal name and version")
        return (Found(stub[1], stub[2]),)
    licenses = _LICENSES.search(text)
    names = tuple(re.findall(r"[\"']([^\"']+)[\"']", licenses[1])) if licenses else ()
    return (Found(name[1], version[1], licenses=names),)


ANALYZER = ContentAnalyzer(
    "ruby-gemspec", "1", lambda p: _PATH.search(p) is not None, parse_gemspec, 1 << 20
)
CATALOGER = LanguageFileCataloger(
    "ruby",
    "1",
    ANALYZER,
    "gem",
    "RubyGems",
    lambda f: PackageURL(type="gem", name=f.name, version=f.version).to_string(),
)
