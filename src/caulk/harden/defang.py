"""`defang`: compute the one layer that de-fangs an image (or, with `squash`, the one layer that
replaces them all). Pure apart from reading /etc/passwd and /etc/group when the view was built
without `AccountsAnalyzer`."""

from __future__ import annotations

import logging
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from caulk.errors import ImageFormatError, UsageError
from caulk.fs.interface import EntryType, FileEntry, LayerView
from caulk.harden.accounts import AccountPlan, AccountsAnalyzer, plan_account
from caulk.harden.content import read_member
from caulk.harden.keep import kept_paths
from caulk.harden.options import DefangOptions
from caulk.harden.paths import LinkResolver
from caulk.harden.plan import ClearedFile, DefangPlan, LayerMember, MemberKind, Removal
from caulk.harden.removals import is_removed, plan_removals
from caulk.harden.startup import Need, startup_needs, unmet_needs
from caulk.source.interface import Image

__all__ = ["DEFANG_ANALYZERS", "defang", "tar_order"]

log = logging.getLogger(__name__)

DEFANG_ANALYZERS = (AccountsAnalyzer(),)
SPECIAL_BITS = 0o6000
_EPOCH = "1970-01-01T00:00:00Z"
_FRACTION = re.compile(r"\.\d+")


def tar_order(path: str) -> tuple[str, ...]:
    """Sort key of members: parents before children, siblings by name."""
    return tuple(path.split("/"))


def _epoch(created: str) -> int:
    try:
        return int(datetime.fromisoformat(_FRACTION.sub("", created, count=1)).timestamp())
    except ValueError:
        return 0


def _member(
    entry: FileEntry, kind: MemberKind, path: str | None = None, **kw: object
) -> LayerMember:
    fields: dict[str, object] = {
        "mode": entry.mode,
        "uid": entry.uid,
        "gid": entry.gid,
        "uname": entry.uname,
        "gname": entry.gname,
        "mtime": entry.mtime,
    }
    fields.update(kw)
    return LayerMember(path or entry.path, kind, **fields)  # type: ignore[arg-type]


def _file_members(
    groups: Mapping[tuple[int, str], list[str]],
    links: LinkResolver,
    final: Mapping[str, FileEntry],
) -> tuple[list[LayerMember], list[ClearedFile]]:
    """One FILE per inode (its first path in tar order, bits cleared) and HARDLINKs to it, so no
    name of a setuid inode keeps the bits."""
    members: list[LayerMember] = []
    cleared: list[ClearedFile] = []
    for paths in groups.values():
        paths = sorted(paths, key=tar_order)
        data = links.data_entry(final[paths[0]])
        mode = data.mode & ~SPECIAL_BITS
        leader = paths[0]
        members.append(
            _member(
                data,
                MemberKind.FILE,
                leader,
                mode=mode,
                size=data.size,
                origin=(data.layer, data.path),
            )
        )
        for path in paths[1:]:
            members.append(_member(data, MemberKind.HARDLINK, path, mode=mode, link=leader))
        if data.mode & SPECIAL_BITS:
            cleared += [ClearedFile(p, data.layer, data.mode, mode) for p in paths]
    return members, cleared


def _inode_groups(
    final: Mapping[str, FileEntry],
    links: LinkResolver,
    keep: Callable[[str], bool],
    setuid_only: bool,
) -> dict[tuple[int, str], list[str]]:
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for path, entry in final.items():
        if entry.type not in (EntryType.FILE, EntryType.HARDLINK) or not keep(path):
            continue
        data = links.data_entry(entry)
        if setuid_only and not data.mode & SPECIAL_BITS:
            continue
        groups[(data.layer, data.path)].append(path)
    return groups


def _squash_others(
    final: Mapping[str, FileEntry], keep: Callable[[str], bool]
) -> list[LayerMember]:
    members = []
    kinds = {
        EntryType.DIR: MemberKind.DIR,
        EntryType.SYMLINK: MemberKind.SYMLINK,
        EntryType.FIFO: MemberKind.FIFO,
    }
    for path, entry in final.items():
        if path == "/" or not keep(path):
            continue
        kind = kinds.get(entry.type)
        if kind is not None:
            members.append(_member(entry, kind, link=entry.link))
        elif entry.type in (EntryType.CHAR, EntryType.BLOCK):
            log.warning("--squash drops device node %s (layer %d)", path, entry.layer)
    return members


def _account_bytes(image: Image, view: LayerView, path: str) -> bytes | None:
    entry = view.get(path)
    if entry is None:
        return None
    if entry.type is not EntryType.FILE:
        raise ImageFormatError(f"{path} is a {entry.type.value}, not a file; cannot add a user")
    data = view.result(AccountsAnalyzer.name, path)
    if isinstance(data, bytes):
        return data
    return read_member(image, entry.layer, path, max_size=AccountsAnalyzer.max_size)


def _account_members(
    account: AccountPlan, final: Mapping[str, FileEntry], mtime: int
) -> list[LayerMember]:
    members = []
    for path, data in (("/etc/passwd", account.passwd), ("/etc/group", account.group)):
        if data is None:
            continue
        old = final.get(path)
        base = (
            _member(old, MemberKind.FILE)
            if old is not None
            else LayerMember(path, MemberKind.FILE, mtime=mtime)
        )
        members.append(
            LayerMember(
                path,
                MemberKind.FILE,
                base.mode & ~SPECIAL_BITS,
                base.uid,
                base.gid,
                base.uname,
                base.gname,
                base.mtime,
                len(data),
                data=data,
            )
        )
    for directory in ("/etc", "/home"):
        if directory not in final:
            members.append(LayerMember(directory, MemberKind.DIR, 0o755, mtime=mtime))
    if account.home is not None and account.home not in final:
        members.append(
            LayerMember(account.home, MemberKind.DIR, 0o750, account.uid, account.gid, mtime=mtime)
        )
    return members


def _parents(members: Iterable[LayerMember], final: Mapping[str, FileEntry]) -> list[LayerMember]:
    have = {m.path for m in members}
    parents: dict[str, LayerMember] = {}
    for member in members:
        parent = posixpath.dirname(member.path)
        while parent != "/" and parent not in have and parent not in parents:
            entry = final.get(parent)
            if entry is not None and entry.type is EntryType.DIR:
                parents[parent] = _member(entry, MemberKind.DIR)
            parent = posixpath.dirname(parent)
    return list(parents.values())


_FLAGS = {
    "shell": "--remove-shells",
    "tool": "--remove-tools",
    "package manager": "--remove-package-managers",
}


def _unmet_message(need: Need, removal: Removal) -> str:
    flag = _FLAGS.get(removal.reason, f"--remove {removal.path}")
    via = f" (through {need.via})" if need.via else ""
    chain = " -> ".join(need.names)
    return f"{need.source} runs {need.program}{via} = {chain}, which {flag} removes"


def check_startup(needs: Iterable[Need], removals: Iterable[Removal], force: bool) -> None:
    """Refuse (UsageError, exit 2) when Entrypoint/Cmd/Healthcheck needs a removed program;
    with `force`, warn instead."""
    unmet = unmet_needs(needs, removals)
    if not unmet:
        return
    if not force:
        more = f" (and {len(unmet) - 1} more)" if len(unmet) > 1 else ""
        raise UsageError(
            f"{_unmet_message(*unmet[0])}{more}: the output could not start; keep it, change "
            "the command, or pass --force"
        )
    for need, removal in unmet:
        log.warning("--force: %s", _unmet_message(need, removal))


def defang(image: Image, view: LayerView, options: DefangOptions) -> DefangPlan:
    """The plan for a de-fanged `image` whose filesystem is `view` (built with
    `DEFANG_ANALYZERS` to avoid re-reading /etc/passwd and /etc/group)."""
    created = options.created or image.config.created or _EPOCH
    mtime = _epoch(created)
    final = view.squashed()
    links = LinkResolver(view)
    removals = plan_removals(view, options, image.config.env)
    # (reading a #! line may re-stream a layer: only when something is removed or left out)
    needs = startup_needs(image, view) if removals or options.keep is not None else ()
    check_startup(needs, removals, options.force)
    removed = {r.path for r in removals}
    squash = options.squash or options.keep is not None
    kept = kept_paths(view, options.keep, needs) if options.keep is not None else None

    def keep(path: str) -> bool:
        return (kept is None or path in kept) and not is_removed(path, removed)

    groups = _inode_groups(final, links, keep, setuid_only=not squash)
    members, cleared = _file_members(groups, links, final)
    if squash:
        members += _squash_others(final, keep)
    else:
        members += [LayerMember(p, MemberKind.WHITEOUT, 0o644, mtime=mtime) for p in removed]

    account = None
    if options.user is not None:
        account = plan_account(
            options.user.user,
            options.user.group,
            _account_bytes(image, view, "/etc/passwd"),
            _account_bytes(image, view, "/etc/group"),
        )
        replaced = {m.path for m in _account_members(account, final, mtime)}
        members = [m for m in members if m.path not in replaced]
        members += _account_members(account, final, mtime)
    if not squash:
        members += _parents(members, final)
    members.sort(key=lambda m: tar_order(m.path))
    log.debug("defang %s: %d members", image.reference, len(members))
    return DefangPlan(
        members=tuple(members),
        cleared=tuple(sorted(cleared, key=lambda c: tar_order(c.path))),
        removed=removals,
        user=account.config_user if account else None,
        created_user=account.name if account and account.created_user else None,
        squash=squash,
        created=created,
        created_by=options.command_line(),
    )
