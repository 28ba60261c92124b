"""PHP packages installed by Composer: `vendor/composer/installed.json`, in Composer 1's format (a
list of packages) and Composer 2's (`{"packages": [...]}`); names are `vendor/package`."""

from __future__ import annotations

import re
from typing import Any

from packageurl import PackageURL

from caulk.catalog.analyzer import ContentAnalyzer, parse_json
from caulk.catalog.langfile import Found, LanguageFileCataloger

__all__ = ["CATALOGER", "parse_installed_json"]

_PATH = re.compile(r"/vendor/composer/installed\.json$")


def parse_installed_json(_path: str, data: bytes) -> tuple[Found, ...]:
    doc: Any = parse_json(_path, data)
    packages = doc.get("packages") if isinstance(doc, dict) else doc
    if not isinstance(packages, list):
        raise ValueError("installed.json without a package list")
    out = []
    for i, package in enumerate(packages):
        if not isinstance(package, dict):
            raise ValueError(f"package #{i} is not an object")
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
            raise ValueError(f"package #{i} without a string name and version")
        licenses = package.get("license")
        if not isinstance(licenses, list):
            licenses = [licenses]
        names = tuple(x for x in licenses if isinstance(x, str))
        out.append(Found(name, version, field=name, licenses=names))
    return tuple(out)


def _purl(found: Found) -> str:
    vendor, _, name = found.name.rpartition("/")
    return PackageURL(
        type="composer", namespace=vendor or None, name=name, version=found.version
    ).to_string()


ANALYZER = ContentAnalyzer(
    "composer-installed", "1", lambda p: _PATH.search(p) is not None, parse_installed_json, 32 << 20
)
CATALOGER = LanguageFileCataloger("php", "1", ANALYZER, "composer", "Packagist", _purl)
