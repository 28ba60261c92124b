"""`--user`: pick or create a non-root account and say what /etc/passwd and /etc/group become.

Decisions (docs/defang.md): config `User` is always written numerically as `UID:GID`, so
Kubernetes' `runAsNonRoot` can verify it; `--user` without a value means `nonroot` (uid/gid 65532,
like distroless); a new named user gets uid 65532 when free, else the lowest free uid >= 10000;
its primary group has the same name and id when free; home /home/NAME, shell /sbin/nologin.
"""

from __future__ import annotations

from dataclasses import dataclass

from caulk.errors import UsageError
from caulk.fs.interface import EntryType, FileEntry

__all__ = [
    "ACCOUNT_FILES",
    "AccountPlan",
    "AccountsAnalyzer",
    "plan_account",
]

ACCOUNT_FILES = ("/etc/passwd", "/etc/group")
NONROOT_ID = 65532
_FIRST_FREE = 10000
_MAX_SIZE = 1024 * 1024


class AccountsAnalyzer:
    """Keeps the bytes of /etc/passwd and /etc/group (small) while the view is built."""

    name = "caulk.harden.accounts"
    version = "1"
    max_size = _MAX_SIZE

    def wants(self, entry: FileEntry) -> bool:
        return entry.type is EntryType.FILE and entry.path in ACCOUNT_FILES

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        return data


@dataclass(frozen=True, slots=True)
class _Row:
    name: str
    id: int
    gid: int  # passwd: primary group; group: same as id


def _rows(data: bytes | None) -> list[_Row]:
    rows = []
    for line in (data or b"").decode("utf-8", "surrogateescape").splitlines():
        fields = line.split(":")
        if len(fields) < 3 or not fields[0] or line.startswith(("#", "+", "-")):
            continue
        if not fields[2].isdigit():
            continue
        gid = fields[3] if len(fields) > 3 and fields[3].isdigit() else fields[2]
        rows.append(_Row(fields[0], int(fields[2]), int(gid)))
    return rows


def _free_id(taken: set[int], preferred: int) -> int:
    if preferred not in taken:
        return preferred
    candidate = _FIRST_FREE
    while candidate in taken:
        candidate += 1
    return candidate


def _free_name(taken: set[str], preferred: str, number: int) -> str:
    return preferred if preferred not in taken else f"{preferred}{number}"


def _append(data: bytes | None, line: str, header: str) -> bytes:
    text = data if data is not None else header.encode()
    if text and not text.endswith(b"\n"):
        text += b"\n"
    return text + line.encode() + b"\n"


@dataclass(frozen=True, slots=True)
class AccountPlan:
    config_user: str  # "uid:gid"
    uid: int
    gid: int
    name: str
    created_user: bool
    passwd: bytes | None  # new content, None when unchanged
    group: bytes | None
    home: str | None  # directory to create, None when the user already existed


def _pick_group(
    spec_group: str | None, groups: list[_Row], fallback_gid: int, name: str
) -> tuple[int, str | None]:
    """The primary gid, and the name of a group to create (None when it exists)."""
    by_id = {g.id: g for g in groups}
    by_name = {g.name: g for g in groups}
    if spec_group is None:
        gid = fallback_gid
    elif spec_group.isdigit():
        gid = int(spec_group)
    elif spec_group in by_name:
        return by_name[spec_group].id, None
    else:
        return _free_id(set(by_id), fallback_gid), spec_group
    if gid in by_id:
        return gid, None
    return gid, _free_name(set(by_name), name, gid)


def plan_account(
    spec_user: str, spec_group: str | None, passwd: bytes | None, group: bytes | None
) -> AccountPlan:
    if spec_user == "root" or spec_group == "root":
        raise UsageError(f"--user {spec_user}: that is root (uid 0); name a non-root user")
    users = _rows(passwd)
    groups = _rows(group)
    if spec_user.isdigit():
        existing = next((u for u in users if u.id == int(spec_user)), None)
    else:
        existing = next((u for u in users if u.name == spec_user), None)
    if existing is not None:
        uid, name = existing.id, existing.name
        fallback_gid = existing.gid
    elif spec_user.isdigit():
        uid = int(spec_user)
        name = _free_name({u.name for u in users}, "nonroot", uid)
        fallback_gid = uid
    else:
        uid = _free_id({u.id for u in users}, NONROOT_ID)
        name = spec_user
        fallback_gid = uid
    if uid == 0:
        raise UsageError(f"--user {spec_user}: that is root (uid 0); name a non-root user")
    gid, new_group = _pick_group(spec_group, groups, fallback_gid, name)
    if gid == 0:
        raise UsageError(f"--user {spec_user}: primary group would be root (gid 0); give :GID")
    new_passwd = None
    home = None
    if existing is None:
        home = f"/home/{name}"
        line = f"{name}:x:{uid}:{gid}:{name}:{home}:/sbin/nologin"
        new_passwd = _append(passwd, line, "root:x:0:0:root:/root:/sbin/nologin\n")
    new_group_bytes = None
    if new_group is not None:
        new_group_bytes = _append(group, f"{new_group}:x:{gid}:", "root:x:0:\n")
    return AccountPlan(
        config_user=f"{uid}:{gid}",
        uid=uid,
        gid=gid,
        name=name,
        created_user=existing is None,
        passwd=new_passwd,
        group=new_group_bytes,
        home=home,
    )
