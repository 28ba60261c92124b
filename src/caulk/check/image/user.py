"""CK-IMG-005 (runs as root) and CK-IMG-006 (USER absent from /etc/passwd).

Docker resolves `User` as `user[:group]`: empty means root; a number is used as the uid as is (no
passwd entry needed); a name is looked up in the image's /etc/passwd, and the container fails to
start ("unable to find user …") when it is not there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import ROOT_USER, UNKNOWN_USER
from caulk.check.rules import Rule
from caulk.fs.interface import EntryType, FileAnalyzer, FileEntry
from caulk.model import Finding, Location

__all__ = ["PASSWD_ANALYZER", "PASSWD_PATH", "EtcFileAnalyzer", "UserCheck", "parse_passwd"]

PASSWD_PATH = "/etc/passwd"  # noqa: S105 - a path, not a password
_FIELD = "config.User"


def parse_passwd(data: bytes) -> tuple[tuple[str, int], ...]:
    """(name, uid) of every well-formed line; comments, blanks, NIS `+`/`-` lines are skipped."""
    users: list[tuple[str, int]] = []
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "+", "-")):
            continue
        parts = line.split(":")
        if len(parts) < 3 or not parts[2].isdigit():
            continue
        users.append((parts[0], int(parts[2])))
    return tuple(users)


@dataclass(frozen=True, slots=True)
class EtcFileAnalyzer:
    """Reads one account file of the image by its path (/etc/passwd, /etc/shadow, /etc/group)
    with `parse`."""

    name: str
    path: str
    parse: Callable[[bytes], object]
    version: str = "1"
    max_size: int = 4 * 1024 * 1024

    def wants(self, entry: FileEntry) -> bool:
        return entry.path == self.path and entry.type is EntryType.FILE

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        return self.parse(data)


PASSWD_ANALYZER = EtcFileAnalyzer("passwd", PASSWD_PATH, parse_passwd)
_PASSWD = PASSWD_ANALYZER


class UserCheck:
    rules: tuple[Rule, ...] = (ROOT_USER, UNKNOWN_USER)
    analyzers: tuple[FileAnalyzer, ...] = (_PASSWD,)

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        raw = ctx.image.config.user.strip()
        user = raw.split(":", 1)[0]
        where = Location(field=_FIELD)
        if not user:
            yield ROOT_USER.finding("no USER is set: the container runs as root (uid 0)", where)
            return
        if user.isdigit():
            if int(user) == 0:
                yield ROOT_USER.finding(f"USER {raw!r} is uid 0 (root)", where)
            return
        if user == "root":
            yield ROOT_USER.finding(f"USER {raw!r} is root (uid 0)", where)
            return
        users = self._passwd(ctx)
        if users is None:
            yield UNKNOWN_USER.finding(
                f"USER {raw!r} cannot be resolved: the image has no readable {PASSWD_PATH}", where
            )
            return
        uids = [uid for name, uid in users if name == user]
        if not uids:
            yield UNKNOWN_USER.finding(
                f"USER {raw!r}: no user {user!r} in {PASSWD_PATH}; the container will not start",
                where,
            )
        elif uids[0] == 0:
            yield ROOT_USER.finding(f"USER {raw!r} has uid 0 in {PASSWD_PATH} (root)", where)

    @staticmethod
    def _passwd(ctx: ImageContext) -> tuple[tuple[str, int], ...] | None:
        entry = ctx.view.resolve(PASSWD_PATH)
        if entry is None:
            return None
        result = ctx.view.result(_PASSWD.name, entry.path)
        if isinstance(result, tuple):
            return result
        return None
