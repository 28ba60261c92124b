"""A private world for one `caulk` run on bad input, and the user-facing contract it must keep.

Everything the CLI could touch lives under one directory: the working directory, `TMPDIR`, `HOME`
(so `~/.cache`, `~/.config`, `~/.docker`), `CAULK_CACHE_DIR` and the inputs. A snapshot taken
before the run and compared after it proves "nothing written outside the intended output, nothing
lost": every file's type, mode, size and SHA-256.

    box = Sandbox.create(tmp_path / "box", cache=warm_cache)
    before = box.snapshot()
    run = box.caulk("scan", ref, "-o", box.out / "r.json")
    expect_failure(run, 2, "digest mismatch", blob_path)
    box.assert_unchanged(before)          # the output does not exist, no temp file, no litter
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import CaulkRun

__all__ = ["Sandbox", "Snapshot", "diff", "expect_failure", "expect_success"]

_PRIVATE_PREFIXES = ("CAULK_", "COSIGN_", "DOCKER_", "XDG_", "SOURCE_DATE_EPOCH")

# (kind, mode, size, sha256) per path relative to the sandbox root
Snapshot = Mapping[str, tuple[str, int, int, str]]


def _describe(path: Path) -> tuple[str, int, int, str]:
    st = path.lstat()
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        return ("link", mode, 0, os.readlink(path))
    if stat.S_ISDIR(st.st_mode):
        return ("dir", mode, 0, "")
    if stat.S_ISREG(st.st_mode):
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return ("file", mode, st.st_size, digest.hexdigest())
    return ("other", mode, 0, "")


def snapshot_of(roots: Mapping[str, Path]) -> dict[str, tuple[str, int, int, str]]:
    """Every path under each root, keyed `<label>/<relative path>`."""
    found: dict[str, tuple[str, int, int, str]] = {}
    for label, root in roots.items():
        if not root.exists():
            continue
        found[label] = _describe(root)
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                path = Path(dirpath, name)
                found[f"{label}/{path.relative_to(root).as_posix()}"] = _describe(path)
    return found


def diff(before: Snapshot, after: Snapshot) -> list[str]:
    """Human-readable differences: `+ new`, `- gone`, `~ changed`."""
    lines = [f"+ {p}" for p in sorted(after.keys() - before.keys())]
    lines += [f"- {p}" for p in sorted(before.keys() - after.keys())]
    lines += [f"~ {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return lines


@dataclass(frozen=True, slots=True)
class Sandbox:
    """Directories of one test: `cwd` (working dir), `tmp` (TMPDIR), `home`, `inputs`, `out`,
    and `cache` (CAULK_CACHE_DIR, usually a warmed one shared by the module)."""

    root: Path
    cache: Path

    @classmethod
    def create(cls, root: Path, *, cache: Path | None = None) -> Sandbox:
        box = cls(root, cache or root / "cache")
        for sub in (box.cwd, box.tmp, box.home, box.inputs, box.out, box.cache):
            sub.mkdir(parents=True, exist_ok=True)
        box.cache.chmod(0o700)  # the layer cache insists on a private directory
        return box

    @property
    def cwd(self) -> Path:
        return self.root / "cwd"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The host's environment without any caulk/cosign/docker/XDG setting, pointed here."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_PRIVATE_PREFIXES)}
        env.update(
            HOME=str(self.home),
            TMPDIR=str(self.tmp),
            DOCKER_CONFIG=str(self.home / ".docker"),
            CAULK_CACHE_DIR=str(self.cache),
            CAULK_DB_AUTO_UPDATE="false",  # a scan never fetches the public feeds under test
            NO_COLOR="1",
            COLUMNS="200",
        )
        env.update(extra or {})
        return env

    def caulk(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
        timeout: float = 120,
    ) -> CaulkRun:
        """`python -m caulk.cli.main ARGS` in `cwd`, with this sandbox's environment."""
        argv = tuple(map(str, args))
        proc = subprocess.run(
            [sys.executable, "-m", "caulk.cli.main", *argv],
            cwd=self.cwd,
            env=self.env(env),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return CaulkRun(argv, proc.returncode, proc.stdout, proc.stderr)

    def snapshot(self) -> dict[str, tuple[str, int, int, str]]:
        """Every path under the sandbox (`box/…`) and the cache (`cache/…`, maybe elsewhere)."""
        if self.cache.is_relative_to(self.root):
            return snapshot_of({"box": self.root})
        return snapshot_of({"box": self.root, "cache": self.cache})

    def assert_unchanged(self, before: Snapshot, *, allow: Iterable[str] = ()) -> None:
        """Nothing created, changed or removed anywhere in the sandbox (paths in `allow`, keyed like
        the snapshot, e.g. `box/out/x.lock`, may appear: a lock file that must persist)."""
        allowed = set(allow)
        changes = [c for c in diff(before, self.snapshot()) if c[2:] not in allowed]
        assert not changes, "the failed run touched the filesystem:\n" + "\n".join(changes)


def expect_failure(run: CaulkRun, code: int, *needles: str) -> str:
    """Exit `code`; stderr is exactly one line `caulk: <where>: <what>` holding every needle;
    no traceback, no internal error; nothing on stdout. Returns the line."""
    assert run.code == code, f"expected exit {code}: {run}"
    assert run.stderr.endswith("\n") and run.stderr.count("\n") == 1, f"not one line: {run}"
    line = run.stderr.rstrip("\n")
    assert line.startswith("caulk: "), run
    assert "Traceback" not in line and "internal error" not in line, run
    where, sep, what = line[len("caulk: ") :].partition(": ")
    assert sep and where.strip() and what.strip(), f"no '<where>: <what>': {run}"
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"
    assert run.stdout == "", f"stdout written on failure: {run.stdout[:500]!r}"
    return line


def expect_success(run: CaulkRun, code: int = 0) -> None:
    """A run that must go through (maybe with warnings): no traceback, no internal error."""
    assert run.code == code, f"expected exit {code}: {run}"
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run
