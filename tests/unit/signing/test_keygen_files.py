"""Issue 9 item 22: keygen writes the private key 0600 through a fresh `O_EXCL|O_NOFOLLOW` temp
file renamed into place: an old 0644 key file does not make the new key readable, and a
(dangling) symlink at the key's name is never followed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from caulk.errors import UsageError
from caulk.signing.keyfiles import write_key_pair
from caulk.signing.keys import KeyPair, load_private_key
from tests.conftest import CaulkRun

ENV = {"CAULK_PASSWORD": "pw"}
PAIR = KeyPair(b"-----BEGIN X-----\nprivate\n-----END X-----\n", b"public\n")


def _mode(path: Path) -> int:
    return path.lstat().st_mode & 0o777


def test_force_over_a_world_readable_key_leaves_a_private_key(
    tmp_path: Path, run_caulk: Callable[..., CaulkRun]
) -> None:
    old = tmp_path / "cosign.key"
    old.write_bytes(b"old key")
    old.chmod(0o644)
    run = run_caulk("keygen", "--force", cwd=tmp_path, env=ENV)
    assert run.code == 0, run
    assert _mode(old) == 0o600
    key = load_private_key(old.read_bytes(), lambda: b"pw", where="cosign.key")
    assert key.curve.name == "secp256r1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cosign.key", "cosign.pub"]


def test_dangling_symlink_is_not_followed(
    tmp_path: Path, run_caulk: Callable[..., CaulkRun]
) -> None:
    victim = tmp_path / "elsewhere" / "planted.key"
    victim.parent.mkdir()
    (tmp_path / "cosign.key").symlink_to(victim)
    run = run_caulk("keygen", cwd=tmp_path, env=ENV)
    assert run.code == 2 and "refusing to overwrite" in run.stderr, run
    assert not victim.exists()
    forced = run_caulk("keygen", "--force", cwd=tmp_path, env=ENV)
    assert forced.code == 0, forced
    assert not victim.exists()  # the link itself was replaced by the key
    assert not (tmp_path / "cosign.key").is_symlink()
    assert _mode(tmp_path / "cosign.key") == 0o600


def test_force_replaces_a_symlink_to_an_existing_file_not_the_file(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_bytes(b"do not touch")
    target.chmod(0o644)
    (tmp_path / "k.key").symlink_to(target)
    write_key_pair(PAIR, str(tmp_path / "k"), force=True)
    assert target.read_bytes() == b"do not touch" and _mode(target) == 0o644
    assert (tmp_path / "k.key").read_bytes() == PAIR.private_pem
    assert _mode(tmp_path / "k.key") == 0o600


def test_without_force_existing_names_are_kept(tmp_path: Path) -> None:
    (tmp_path / "k.pub").write_bytes(b"old public")
    with pytest.raises(UsageError, match="refusing to overwrite") as info:
        write_key_pair(PAIR, str(tmp_path / "k"))
    assert info.value.where == str(tmp_path / "k.pub")
    assert not (tmp_path / "k.key").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.pub"]


def test_public_key_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        private, public = write_key_pair(PAIR, str(tmp_path / "k"))
    finally:
        os.umask(old)
    assert (_mode(private), _mode(public)) == (0o600, 0o640)
    assert public.read_bytes() == PAIR.public_pem
