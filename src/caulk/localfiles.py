"""Files caulk keeps on the local disk, where other local users may be hostile.

- `private_dir(path)`: a directory only this user can use (created 0700; one another user owns, or a
  symlink, is refused; our own is tightened to 0700). The cache root and the layer cache use it.
- `check_trusted(path)`: refuse a file that another local user could have written (owned by someone
  but this user or root, or writable by group/others, or in such a directory). Advisory databases
  and layer-cache entries go through it: whoever can write them decides scan results.
- `temp_path(directory, label)`: a temporary file or directory caulk can recognise as its own
  (`.caulk-tmp-<label>.<random>.tmp`) and as stale: its creator holds an exclusive `flock` on it
  for as long as it lives, so a process killed with SIGKILL releases it. The first temp path a
  process makes in a directory sweeps that directory of stale ones this user owns (the next run
  cleans what a crashed run left, however big).

Every check opens with `O_NOFOLLOW` or uses `lstat`: nothing here follows a symlink another user
planted.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import shutil
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "TEMP_PREFIX",
    "TEMP_SUFFIX",
    "TempPath",
    "check_trusted",
    "current_umask",
    "private_dir",
    "sweep_stale",
    "temp_path",
    "untrusted_reason",
]

log = logging.getLogger(__name__)

TEMP_PREFIX = ".caulk-tmp-"
TEMP_SUFFIX = ".tmp"
MIN_STALE_AGE = 2.0  # seconds: a temp path younger than this may not be locked by its creator yet
_LABEL_MAX = 80
_TRUSTED_OWNERS = frozenset({0})  # root can change anything anyway

_swept: set[str] = set()
_swept_lock = threading.Lock()


def current_umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


def private_dir(directory: Path, *, follow_own_symlink: bool = False) -> None:
    """Create `directory` (and its parents) 0700; raise OSError when it is a symlink, not a
    directory, or another user's; tighten our own to 0700. With `follow_own_symlink`, a symlink
    this user (or root) made is followed (a cache root moved to another disk); one another user
    planted (say in /tmp) is still refused."""
    if follow_own_symlink and directory.is_symlink():
        owner = os.lstat(directory).st_uid
        if owner != os.geteuid() and owner not in _TRUSTED_OWNERS:
            raise PermissionError(f"{directory} is a symlink of uid {owner}; refusing to follow it")
        directory = directory.resolve()
    with contextlib.suppress(FileExistsError):  # a file or a (dangling) symlink: refused below
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        if directory.is_symlink():
            raise NotADirectoryError(f"{directory} is a symlink; refusing to follow it") from None
        raise NotADirectoryError(f"{directory} is not a directory ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if st.st_uid != os.geteuid():
            raise PermissionError(f"{directory} belongs to uid {st.st_uid}, not to this user")
        if st.st_mode & 0o077:
            os.fchmod(fd, 0o700)
    finally:
        os.close(fd)


def untrusted_reason(st: os.stat_result) -> str | None:
    """Why a file or directory with status `st` may hold another local user's content, or None."""
    if st.st_uid != os.geteuid() and st.st_uid not in _TRUSTED_OWNERS:
        return f"belongs to uid {st.st_uid}, not to this user"
    sticky_dir = stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX
    if st.st_mode & 0o022 and not sticky_dir:
        return f"is writable by other users (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def check_trusted(path: Path) -> None:
    """Raise PermissionError (message: path and reason) when `path` or its directory could have
    been written by another local user. Symlinks are resolved first: the file they lead to and
    its directory are what is checked."""
    real = path.resolve()
    for candidate in (real, real.parent):
        reason = untrusted_reason(candidate.stat())
        if reason is not None:
            raise PermissionError(f"{candidate} {reason}")


@dataclass(frozen=True, slots=True)
class TempPath:
    path: Path
    fd: int  # holds the flock; for a file, open for reading and writing


def _label(text: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
    return safe[:_LABEL_MAX] or "x"


@contextlib.contextmanager
def temp_path(directory: Path, label: str, *, is_dir: bool = False) -> Iterator[TempPath]:
    """A new private (0600/0700) temp file or directory in `directory`, locked while the block
    runs. The caller renames it into place or leaves it: whatever is still at `path` when the
    block ends (normally or not) is removed. Raises OSError."""
    sweep_stale(directory)
    name = f"{TEMP_PREFIX}{_label(label)}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
    path = directory / name
    if is_dir:
        path.mkdir(mode=0o700)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    else:
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(path, flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield TempPath(path, fd)
    finally:
        try:
            _remove(path)
        finally:
            os.close(fd)


def _remove(path: Path) -> bool:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path, ignore_errors=True)  # fd-based on Linux: never follows a symlink
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return True


def sweep_stale(directory: Path, *, force: bool = False) -> int:
    """Remove this user's stale caulk temp paths in `directory` (once per process unless
    `force`): those no live process holds locked. Returns how many went."""
    key = str(directory.absolute())
    with _swept_lock:
        if key in _swept and not force:
            return 0
        _swept.add(key)
    try:
        entries = [e for e in os.scandir(directory) if e.name.startswith(TEMP_PREFIX)]
    except OSError:
        return 0
    removed = 0
    now = time.time()
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        is_dir = stat.S_ISDIR(st.st_mode)
        if st.st_uid != os.geteuid() or not (is_dir or stat.S_ISREG(st.st_mode)):
            continue  # another user's, or a symlink/device someone planted: not ours to touch
        if now - st.st_mtime < MIN_STALE_AGE or not entry.name.endswith(TEMP_SUFFIX):
            continue
        if _remove_if_unlocked(Path(entry.path), is_dir):
            removed += 1
    if removed:
        log.info("%s: removed %d stale temporary file(s) of an interrupted run", directory, removed)
    return removed


def _remove_if_unlocked(path: Path, is_dir: bool) -> bool:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_DIRECTORY if is_dir else 0)
    try:
        fd = os.open(path, flags | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        if os.fstat(fd).st_uid != os.geteuid():
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its writer is alive
        return _remove(path)
    finally:
        os.close(fd)
