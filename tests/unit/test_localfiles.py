"""`caulk.localfiles`: private directories, trusted files, and temp paths recognisable as caulk's
and as stale (issue 9 items 14, 23, 25). Only this user's unlocked caulk temp paths are ever
removed; nothing is followed through a symlink."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from caulk.localfiles import (
    TEMP_PREFIX,
    check_trusted,
    private_dir,
    sweep_stale,
    temp_path,
)

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand files to another user")


def _age(path: Path, seconds: float = 3600) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)
    return path


def _stale_file(directory: Path, name: str = "x.0011.tmp", data: bytes = b"left") -> Path:
    path = directory / f"{TEMP_PREFIX}{name}"
    path.write_bytes(data)
    return _age(path)


def test_temp_file_is_private_locked_and_removed_on_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), temp_path(tmp_path, "report.json") as tmp:
        assert tmp.path.name.startswith(f"{TEMP_PREFIX}report.json.")
        assert tmp.path.stat().st_mode & 0o777 == 0o600
        _age(tmp.path)
        assert sweep_stale(tmp_path, force=True) == 0  # its writer is alive: locked
        assert tmp.path.exists()
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_renamed_temp_file_is_kept(tmp_path: Path) -> None:
    with temp_path(tmp_path, "out") as tmp:
        os.write(tmp.fd, b"data")
        tmp.path.replace(tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (tmp_path / "out").read_bytes() == b"data"


def test_hostile_labels_make_safe_names(tmp_path: Path) -> None:
    with temp_path(tmp_path, "../../etc/passwd\n" + "x" * 500) as tmp:
        assert tmp.path.parent == tmp_path and len(tmp.path.name) < 120


def test_stale_files_and_directories_are_swept_once_per_process(tmp_path: Path) -> None:
    stale = _stale_file(tmp_path)
    scratch = tmp_path / f"{TEMP_PREFIX}defang.00aa.tmp"
    (scratch / "sub").mkdir(parents=True)
    (scratch / "sub" / "staging").write_bytes(b"x" * 1000)
    _age(scratch)
    with temp_path(tmp_path, "new"):
        pass  # the first temp path in a directory sweeps it
    assert not stale.exists() and not scratch.exists()
    again = _stale_file(tmp_path)
    with temp_path(tmp_path, "new"):
        pass
    assert again.exists()  # once per process: no listing per write
    assert sweep_stale(tmp_path, force=True) == 1


def test_sweep_leaves_what_is_not_ours(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious").write_bytes(b"keep")
    box = tmp_path / "box"
    box.mkdir()
    link = box / f"{TEMP_PREFIX}link.0011.tmp"
    link.symlink_to(victim)
    _age(link)
    inside = _stale_file(box, "dir.0022.tmp", b"")
    inside.unlink()
    inside.mkdir()
    (inside / "escape").symlink_to(victim)
    _age(inside)
    young = box / f"{TEMP_PREFIX}young.0033.tmp"
    young.write_bytes(b"being created")
    other_names = [box / ".image.tar.abcd.tmp", box / f"{TEMP_PREFIX}no-suffix"]
    for path in other_names:
        path.write_bytes(b"x")
        _age(path)
    assert sweep_stale(box, force=True) == 1  # only the stale directory
    assert not inside.exists()
    assert (victim / "precious").read_bytes() == b"keep"  # never followed
    assert link.is_symlink() and young.exists() and all(p.exists() for p in other_names)


@as_root
def test_sweep_leaves_other_users_temp_files(tmp_path: Path) -> None:
    theirs = _stale_file(tmp_path)
    os.chown(theirs, 65534, 65534)
    assert sweep_stale(tmp_path, force=True) == 0
    assert theirs.exists()


def test_private_dir_refuses_symlinks_and_tightens_our_own(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    loose.chmod(0o755)
    private_dir(loose)
    assert loose.stat().st_mode & 0o777 == 0o700
    target = tmp_path / "target"
    target.mkdir(mode=0o755)
    target.chmod(0o755)
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(NotADirectoryError, match="symlink"):
        private_dir(tmp_path / "link")
    assert target.stat().st_mode & 0o777 == 0o755
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "file")


@as_root
def test_private_dir_refuses_another_users(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    theirs.chmod(0o777)
    os.chown(theirs, 65534, 65534)
    with pytest.raises(PermissionError, match="uid 65534"):
        private_dir(theirs)
    assert theirs.stat().st_mode & 0o777 == 0o777


def test_check_trusted(tmp_path: Path) -> None:
    path = tmp_path / "db" / "f"
    path.parent.mkdir()
    path.parent.chmod(0o755)
    path.write_bytes(b"")
    path.chmod(0o644)
    check_trusted(path)
    path.chmod(0o646)
    with pytest.raises(PermissionError, match="writable by other users"):
        check_trusted(path)
    path.chmod(0o644)
    path.parent.chmod(0o775)
    with pytest.raises(PermissionError, match=str(path.parent)):
        check_trusted(path)
    (tmp_path / "link").symlink_to(path)
    with pytest.raises(PermissionError):
        check_trusted(tmp_path / "link")  # the file a link leads to is what counts


def test_an_own_symlinked_root_may_be_followed_when_asked(tmp_path: Path) -> None:
    disk = tmp_path / "bigger-disk" / "caulk"
    disk.mkdir(parents=True)
    disk.chmod(0o755)
    (tmp_path / "root").symlink_to(disk)
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "root")
    private_dir(tmp_path / "root", follow_own_symlink=True)
    assert disk.stat().st_mode & 0o777 == 0o700


@as_root
def test_a_symlink_another_user_planted_is_never_followed(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    link = tmp_path / "shared-cache"
    link.symlink_to(theirs)
    os.chown(link, 65534, 65534, follow_symlinks=False)
    with pytest.raises(PermissionError, match="symlink of uid 65534"):
        private_dir(link, follow_own_symlink=True)
