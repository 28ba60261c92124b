"""dockle's account checks: CK-IMG-020 empty passwords in /etc/shadow (DKL-LI-0001) and CK-IMG-021
duplicate UIDs in /etc/passwd or GIDs in /etc/group (DKL-LI-0002).

An empty second field of a shadow line lets anyone log in (or `su`) to that account without a
password; `!`, `*`, `!*`, `x` and hashes are locked or real passwords. Two names sharing one UID
are one identity to the kernel: file ownership and audit trails mix them.
"""

from __future__ import annotations

from collections.abc import Iterator

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import DUPLICATE_ID, EMPTY_PASSWORD
from caulk.check.image.user import PASSWD_ANALYZER, PASSWD_PATH, EtcFileAnalyzer, parse_passwd
from caulk.check.rules import Rule
from caulk.fs.inodes import layer_digest
from caulk.fs.interface import FileAnalyzer
from caulk.model import Finding, Location

__all__ = ["AccountsCheck", "empty_passwords"]

SHADOW_PATH = "/etc/shadow"
GROUP_PATH = "/etc/group"


def empty_passwords(data: bytes) -> tuple[str, ...]:
    """Names whose shadow password field is empty."""
    names: list[str] = []
    for raw in data.decode("utf-8", "replace").splitlines():
        if not raw.strip() or raw.startswith(("#", "+", "-")):
            continue
        parts = raw.split(":")
        if len(parts) >= 2 and parts[1] == "":
            names.append(parts[0])
    return tuple(names)


_PASSWD = PASSWD_ANALYZER
_SHADOW = EtcFileAnalyzer("shadow", SHADOW_PATH, empty_passwords)
_GROUP = EtcFileAnalyzer("group", GROUP_PATH, parse_passwd)  # the passwd shape: (name, gid)


def _result(
    ctx: ImageContext, analyzer: FileAnalyzer, path: str
) -> tuple[Location, tuple[object, ...]]:
    entry = ctx.view.resolve(path)
    if entry is None:
        return Location(path=path), ()
    found = ctx.view.result(analyzer.name, entry.path)
    where = Location(
        path=entry.path, layer=entry.layer, layer_digest=layer_digest(ctx.view, entry.layer)
    )
    return where, found if isinstance(found, tuple) else ()


class AccountsCheck:
    rules: tuple[Rule, ...] = (EMPTY_PASSWORD, DUPLICATE_ID)
    analyzers: tuple[FileAnalyzer, ...] = (_PASSWD, _SHADOW, _GROUP)

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        where, names = _result(ctx, _SHADOW, SHADOW_PATH)
        for name in names:
            yield EMPTY_PASSWORD.finding(
                f"{SHADOW_PATH}: account {name!r} has an empty password", where
            )
        for path, analyzer, kind in ((PASSWD_PATH, _PASSWD, "UID"), (GROUP_PATH, _GROUP, "GID")):
            where, pairs = _result(ctx, analyzer, path)
            by_id: dict[int, list[str]] = {}
            for pair in pairs:
                if isinstance(pair, tuple) and len(pair) == 2:
                    by_id.setdefault(int(pair[1]), []).append(str(pair[0]))
            for number, shared in sorted(by_id.items()):
                if len(shared) > 1:
                    yield DUPLICATE_ID.finding(
                        f"{path}: {kind} {number} is shared by {', '.join(shared)}", where
                    )
