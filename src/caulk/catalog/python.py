"""Python distributions: `*.dist-info/METADATA` and `*.egg-info` (file or PKG-INFO) in any
`site-packages` or Debian `dist-packages` directory. Names are matched in PEP 503 form; files that
an OS package (dpkg, apk, rpm) owns are reported as that OS package, not again as PyPI packages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.parser import BytesHeaderParser

from packageurl import PackageURL

from caulk.catalog.analyzer import ContentAnalyzer, location_of
from caulk.catalog.interface import CatalogContext, Package
from caulk.fs.interface import FileAnalyzer
from caulk.model import Unknown

__all__ = ["PythonCataloger", "normalize_name", "parse_metadata"]

_SITE_DIR = re.compile(r"/(site|dist)-packages/[^/]+\.(dist-info/METADATA|egg-info(/PKG-INFO)?)$")
_NORMALIZE = re.compile(r"[-_.]+")


def normalize_name(name: str) -> str:
    """PEP 503: lower-case, runs of `-`, `_`, `.` become one `-`."""
    return _NORMALIZE.sub("-", name).lower()


def parse_metadata(_path: str, data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise ValueError("binary data where Python package metadata was expected")
    headers = BytesHeaderParser().parsebytes(data)
    name, version = headers.get("Name"), headers.get("Version")
    if not name:
        raise ValueError("metadata without Name")
    if not version:
        raise ValueError(f"metadata of {name!s} without Version")
    return str(name).strip(), str(version).strip()


ANALYZER = ContentAnalyzer(
    "python-metadata", "1", lambda p: _SITE_DIR.search(p) is not None, parse_metadata, 1 << 20
)


def _owned(path: str, owned: frozenset[str]) -> bool:
    if path in owned:
        return True
    # dpkg lists an egg-info/dist-info directory's files; the directory itself is enough
    parent = path.rsplit("/", 1)[0]
    return parent in owned and not path.endswith(".egg-info")


class PythonCataloger:
    name = "python"
    version = "1"
    analyzers: tuple[FileAnalyzer, ...] = (ANALYZER,)

    def catalog(self, ctx: CatalogContext) -> Iterable[Package | Unknown]:
        view = ctx.view
        owned = ctx.os_owned
        for entry, result in view.results(ANALYZER.name):
            if not isinstance(result, tuple) or _owned(entry.path, owned):
                continue
            name, version = result
            yield Package(
                name=name,
                version=version,
                type="pypi",
                ecosystem="PyPI",
                purl=PackageURL(
                    type="pypi", name=normalize_name(name), version=version
                ).to_string(),
                locations=(location_of(view, entry),),
                found_by=self.name,
            )
