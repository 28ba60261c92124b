"""Property: the squashed view equals extracting the layers in order into a real directory with
a small, careful reference extractor (OCI semantics: a layer's whiteouts apply to lower layers)."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caulk.errors import ImageFormatError
from caulk.fs.interface import EntryType
from tests.support import synth
from tests.unit.fs.helpers import view

NAMES = ["a", "b", "c"]
ESCAPING = "../../../../../nowhere"  # dangling, and writing through it must be refused

rel_paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join)
ops = st.one_of(
    st.tuples(st.just("file"), rel_paths, st.integers(0, 40), st.sampled_from([0o644, 0o4755])),
    st.tuples(st.just("dir"), rel_paths, st.just(0), st.sampled_from([0o755, 0o1777])),
    st.tuples(st.just("symlink"), rel_paths, st.just(0), st.just(0o777)),
    st.tuples(st.just("whiteout"), rel_paths, st.just(0), st.just(0)),
    st.tuples(st.just("opaque"), rel_paths | st.just(""), st.just(0), st.just(0)),
)
layers_strategy = st.lists(st.lists(ops, max_size=8), min_size=1, max_size=4)


class Conflict(Exception):
    """The layer writes below something that is not a directory."""


def _entry(op: str, rel: str, size: int, mode: int) -> synth.Entry:
    path = "/" + rel
    if op == "file":
        return synth.file(path, b"x" * size, mode=mode)
    if op == "dir":
        return synth.dir(path, mode=mode)
    if op == "symlink":
        return synth.symlink(path, ESCAPING)
    if op == "whiteout":
        return synth.whiteout(path)
    return synth.opaque(path or "/")


def _blocked(root: Path, rel: str) -> bool:
    """Whether some proper ancestor of `rel` exists and is not a directory (never follows)."""
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        try:
            st_ = os.lstat(root.joinpath(*parts[:i]))
        except FileNotFoundError:
            return False
        if not stat.S_ISDIR(st_.st_mode):
            return True
    return False


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)


def _extract(root: Path, layers: list[list[tuple[str, str, int, int]]]) -> dict[str, int]:
    origin: dict[str, int] = {"/": 0}
    for layer, members in enumerate(layers):
        for op, rel, _, _ in members:  # whiteouts first: they only see lower layers
            target = root / rel if rel else root
            if op == "whiteout" and not _blocked(root, rel) and os.path.lexists(target):
                _remove(target)
                origin = {p: o for p, o in origin.items() if not (p + "/").startswith(f"/{rel}/")}
            opaque_dir = op == "opaque" and (not rel or not _blocked(root, rel))
            if opaque_dir and target.is_dir() and not target.is_symlink():
                for child in list(target.iterdir()):
                    _remove(child)
                prefix = f"/{rel}/" if rel else "/"
                origin = {
                    p: o
                    for p, o in origin.items()
                    if not p.startswith(prefix) or p == prefix.rstrip("/")
                }
        for op, rel, size, mode in members:
            if op in ("whiteout", "opaque"):
                continue
            if _blocked(root, rel):
                raise Conflict(rel)
            path = root / rel
            parts = rel.split("/")
            for i in range(1, len(parts)):
                sub = root.joinpath(*parts[:i])
                if not os.path.lexists(sub):
                    sub.mkdir(mode=0o755)
                    os.chmod(sub, 0o755)
                    origin["/" + "/".join(parts[:i])] = layer
            if os.path.lexists(path) and not (
                op == "dir" and path.is_dir() and not path.is_symlink()
            ):
                _remove(path)
                origin = {p: o for p, o in origin.items() if not p.startswith(f"/{rel}/")}
            if op == "file":
                path.write_bytes(b"x" * size)
                os.chmod(path, mode)
            elif op == "dir":
                path.mkdir(exist_ok=True)
                os.chmod(path, mode)
            else:
                os.symlink(ESCAPING, path)
            origin["/" + rel] = layer
    return origin


def _listing(root: Path) -> dict[str, tuple[str, int, int, str | None]]:
    out: dict[str, tuple[str, int, int, str | None]] = {"/": ("dir", 0, 0o755, None)}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            st_ = os.lstat(full)
            key = "/" + full.relative_to(root).as_posix()
            if stat.S_ISLNK(st_.st_mode):
                out[key] = ("symlink", 0, 0, os.readlink(full))
            elif stat.S_ISDIR(st_.st_mode):
                out[key] = ("dir", 0, stat.S_IMODE(st_.st_mode), None)
            else:
                out[key] = ("file", st_.st_size, stat.S_IMODE(st_.st_mode), None)
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers_strategy)
def test_squashed_view_equals_reference_extraction(
    layers: list[list[tuple[str, str, int, int]]],
) -> None:
    old_umask = os.umask(0o022)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "root"
            root.mkdir(mode=0o755)
            try:
                origin = _extract(root, layers)
            except Conflict:
                conflict = True
            else:
                conflict = False
            try:
                merged = view(*[[_entry(*op) for op in layer] for layer in layers])
            except ImageFormatError:
                assert conflict, "caulk refused a layer the reference extracted"
                return
            assert not conflict, "caulk accepted a write below a non-directory"
            expected = _listing(root)
    finally:
        os.umask(old_umask)
    got = {
        path: (
            e.type.value,
            e.size,
            0 if e.type is EntryType.SYMLINK else e.mode,
            e.link if e.type is EntryType.SYMLINK else None,
        )
        for path, e in merged.squashed().items()
    }
    expected_root = expected.pop("/")
    assert got.pop("/")[0] == expected_root[0]
    assert got == expected
    assert {p: e.layer for p, e in merged.squashed().items() if p != "/"} == {
        p: o for p, o in origin.items() if p != "/"
    }
