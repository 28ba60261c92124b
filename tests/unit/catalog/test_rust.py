"""cargo auditable data in a real Rust ELF executable (built here by rustc; the `.dep-v0` section,
zlib-compressed JSON in cargo-auditable's format, is added with objcopy as its linker step would:
cargo-auditable itself cannot be fetched from the registries this machine reaches)."""

from __future__ import annotations

import json
import subprocess
import zlib
from pathlib import Path

import pytest

from caulk.catalog.context import catalog_context
from caulk.catalog.langfile import Found
from caulk.catalog.rust import CATALOGER, parse_rust_binary
from caulk.fs.view import view_from_layers
from caulk.model import Unknown
from tests.support import synth
from tests.unit.fs.helpers import index

pytestmark = pytest.mark.tools("rustc", "objcopy")

AUDIT = {
    "packages": [
        {
            "name": "app",
            "version": "0.1.0",
            "source": "local",
            "dependencies": [1, 2, 3],
            "root": True,
        },
        {"name": "itoa", "version": "1.0.9", "source": "crates.io"},
        {"name": "cc", "version": "1.0.83", "source": "crates.io", "kind": "build"},
        {"name": "forked", "version": "0.3.0", "source": "git"},
    ]
}


def _binary(tmp: Path, section: bytes | None) -> bytes:
    (tmp / "m.rs").write_text('fn main() { println!("hi"); }\n')
    subprocess.run(
        ["rustc", "-o", str(tmp / "m"), str(tmp / "m.rs")], check=True, capture_output=True
    )
    if section is None:
        return (tmp / "m").read_bytes()
    (tmp / "dep").write_bytes(section)
    subprocess.run(
        [
            "objcopy",
            "--add-section",
            f".dep-v0={tmp / 'dep'}",
            "--set-section-flags",
            ".dep-v0=noload,readonly",
            str(tmp / "m"),
            str(tmp / "m2"),
        ],
        check=True,
    )
    return (tmp / "m2").read_bytes()


def test_auditable_binary(tmp_path: Path) -> None:
    data = _binary(tmp_path, zlib.compress(json.dumps(AUDIT).encode()))
    assert parse_rust_binary("x", data) == (Found("itoa", "1.0.9"), Found("cc", "1.0.83"))
    layer = synth.tar([synth.file("/usr/local/bin/app", data, mode=0o755)])
    view = view_from_layers([index(layer, 0, CATALOGER.analyzers)])
    items = list(CATALOGER.catalog(catalog_context(view, None)))
    assert [(p.purl, p.ecosystem) for p in items if not isinstance(p, Unknown)] == [
        ("pkg:cargo/itoa@1.0.9", "crates.io"),
        ("pkg:cargo/cc@1.0.83", "crates.io"),
    ]


def test_plain_and_garbled(tmp_path: Path) -> None:
    assert parse_rust_binary("x", _binary(tmp_path, None)) is None
    with pytest.raises(ValueError, match="garbled cargo auditable"):
        parse_rust_binary("x", _binary(tmp_path, b"not zlib at all"))
    with pytest.raises(ValueError, match="without a package list"):
        parse_rust_binary("x", _binary(tmp_path, zlib.compress(b"[]")))
