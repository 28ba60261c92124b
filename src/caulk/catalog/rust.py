"""Rust executables built with `cargo auditable`: the `.dep-v0` ELF section holds the
zlib-compressed JSON dependency list (`{"packages": [{"name", "version", "source", "kind",
"dependencies", "root"}]}`). Crates from crates.io are reported (ecosystem crates.io); local, git
and other sources are not advisories' subjects."""

from __future__ import annotations

import zlib
from typing import Any

from packageurl import PackageURL

from caulk.catalog.analyzer import parse_json
from caulk.catalog.elf import ElfFile, is_elf
from caulk.catalog.langfile import Found, LanguageFileCataloger
from caulk.fs.interface import EntryType, FileEntry

__all__ = ["CATALOGER", "RustAuditAnalyzer", "parse_rust_binary"]

SECTION = ".dep-v0"
MAX_JSON = 8 << 20


def parse_rust_binary(_path: str, data: bytes) -> tuple[Found, ...] | None:
    """Crates of a `cargo auditable` ELF binary; None for other files."""
    if not is_elf(data) or SECTION.encode() not in data:
        return None  # the section name is in the string table of every auditable binary
    raw = ElfFile(data).section(SECTION)
    if raw is None:
        return None
    try:
        inflater = zlib.decompressobj()
        text = inflater.decompress(raw, MAX_JSON)
        if inflater.unconsumed_tail:
            raise ValueError(f"cargo auditable data larger than {MAX_JSON} bytes")
    except zlib.error as exc:
        raise ValueError(f"garbled cargo auditable data ({exc})") from None
    doc: Any = parse_json(_path, text)
    packages = doc.get("packages") if isinstance(doc, dict) else None
    if not isinstance(packages, list):
        raise ValueError("cargo auditable data without a package list")
    out = []
    for package in packages:
        if not isinstance(package, dict):
            raise ValueError("cargo auditable package is not an object")
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            raise ValueError("cargo auditable package without a name and version")
        if package.get("source") == "crates.io":
            out.append(Found(name, version))
    return tuple(out)


class RustAuditAnalyzer:
    name = "rust-audit"
    version = "1"
    max_size = 256 << 20

    def wants(self, entry: FileEntry) -> bool:
        return entry.type is EntryType.FILE and bool(entry.mode & 0o111) and entry.size >= 4096

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        return parse_rust_binary(entry.path, data)


CATALOGER = LanguageFileCataloger(
    "rust",
    "1",
    RustAuditAnalyzer(),
    "cargo",
    "crates.io",
    lambda f: PackageURL(type="cargo", name=f.name, version=f.version).to_string(),
)
