"""Recipes and hand-made layers, without building an image (fast)."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.images import recipes
from tests.images.layers import write_layer_tar
from tests.images.recipes import EPOCH, RECIPES, TEST_SECRETS

LAYERED = RECIPES["bookworm-layers"]
FAKE_FILES = {
    "/usr/bin/dash": b"\x7fELF dash",
    "/usr/bin/cat": b"\x7fELF cat",
    "/usr/bin/newgrp": b"\x7fELF newgrp",
}


def _write(tmp_path: Path, index: int, tag: str) -> bytes:
    out = tmp_path / f"{tag}.tar"
    write_layer_tar(LAYERED.layers[index], FAKE_FILES, {"/root": 0o700}, out, tmp_path / tag)
    assert not (tmp_path / tag).exists(), "stage dir must be removed"
    return out.read_bytes()


def _members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_keys_are_distinct_and_follow_the_base(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {r.key() for r in RECIPES.values()}
    assert len(keys) == len(RECIPES)
    assert replace(RECIPES["bookworm"], include=("curl",)).key() != RECIPES["bookworm"].key()
    before = LAYERED.key()
    monkeypatch.setitem(RECIPES, "bookworm", replace(RECIPES["bookworm"], env=()))
    assert LAYERED.key() != before, "a base recipe change must rebuild derived images"


def test_unknown_recipe_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="bookworm-layers"):
        recipes.recipe("no-such-image")


def test_layer_tar_is_deterministic(tmp_path: Path) -> None:
    first = _write(tmp_path, 0, "a")
    second = _write(tmp_path, 0, "b")
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    assert len(first) % 10240 == 0  # GNU tar record padding, with the end-of-archive trailer


def test_layer_tar_members(tmp_path: Path) -> None:
    members = _members(_write(tmp_path, 0, "add"))
    assert all(not n.startswith(("./", "/")) for n in members)
    assert all(m.mtime == EPOCH and m.uid == 0 and m.gid == 0 for m in members.values())
    assert not any("PaxHeaders" in n or "atime" in m.pax_headers for n, m in members.items())
    assert members["usr/local/bin/rootshell"].mode == 0o4755
    assert members["usr/local/bin/groupcat"].mode == 0o2755
    link = members["usr/local/bin/rootshell-link"]
    assert link.islnk() and link.linkname == "usr/local/bin/rootshell"
    assert members["usr/local/bin/sh2"].issym()
    assert members["root"].mode == 0o700 and members["root/.ssh"].mode == 0o700
    assert members["srv/shared"].mode == 0o777  # world-writable, no sticky bit
    assert members["srv/sticky"].mode == 0o1777
    assert members["usr"].mode == 0o755 and members["opt/data"].mode == 0o755


def test_whiteouts_and_opaque_dirs(tmp_path: Path) -> None:
    deleted = _members(_write(tmp_path, 1, "del"))
    for path in ("etc/ssl/private/.wh.server.key", "opt/.wh.olddir", "usr/bin/.wh.chfn"):
        assert deleted[path].isreg() and deleted[path].size == 0
    assert deleted["usr/bin/newgrp"].mode == 0o755
    opaque = _members(_write(tmp_path, 2, "opq"))
    assert set(opaque) == {"opt", "opt/cache", "opt/cache/.wh..wh..opq", "opt/cache/fresh.txt"}
    apt = _members(_write(tmp_path, 3, "apt"))
    assert apt["root"].mode == 0o700, "re-listed parents keep the mode they have below"
    assert any(n.startswith("var/lib/apt/lists/") and n.endswith("_Packages") for n in apt)


def test_private_keys_are_real(tmp_path: Path) -> None:
    entries = {e.path: e for e in LAYERED.layers[0].entries}
    ec_key = tmp_path / "id_ecdsa"
    ec_key.write_bytes(entries["/root/.ssh/id_ecdsa"].data)
    check = subprocess.run(
        ["openssl", "ec", "-in", ec_key, "-check", "-noout"], capture_output=True, text=True
    )
    assert check.returncode == 0 and "EC Key valid" in check.stderr + check.stdout
    ed_key = tmp_path / "server.key"
    ed_key.write_bytes(entries["/etc/ssl/private/server.key"].data)
    text = subprocess.run(
        ["openssl", "pkey", "-in", ed_key, "-noout", "-text"], capture_output=True, text=True
    )
    assert text.returncode == 0 and "ED25519 Private-Key" in text.stdout


def test_fake_secrets_have_the_real_shapes() -> None:
    assert TEST_SECRETS["aws_access_key_id"].startswith("AKIA")
    assert len(TEST_SECRETS["aws_access_key_id"]) == 20
    assert TEST_SECRETS["aws_access_key_id"][4:].isalnum()
    assert len(TEST_SECRETS["aws_secret_access_key"]) == 40
    assert len(TEST_SECRETS["github_token"]) == 40
    assert "EXAMPLE" not in TEST_SECRETS["aws_access_key_id"]  # scanners skip AWS doc keys
