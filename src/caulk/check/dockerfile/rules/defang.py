"""What a de-fang command really does: which of the setuid (`u`) and setgid (`g`) bits a `find`
removes from every file of the filesystem that has them.

    find / -xdev -perm /6000 -type f -exec chmod a-s {} +        -> {"u", "g"}
    find / -perm /4000 -exec chmod u-s {} \\;                     -> {"u"}
    find / -perm /6000 -print0 | xargs -0 chmod a-s              -> {"u", "g"}
    find / -perm /6000 -exec ls -ld {} \\;                        -> nothing: a read-only listing
    chmod u-s /usr/bin/su                                        -> nothing: one file

A bit counts only when the `find` starts at `/`, selects every file carrying that bit
(`-perm /6000`, `/4000`, `/u+s,g+s`, `-4000`…; `-perm -6000` selects only files with both), is
not narrowed by a positive name/path/owner/depth test, and hands what it finds to a `chmod` whose
mode clears the bit (`a-s`, `-s`, `u-s,g-s`, `ug-s`, `u=rwx`, `0755`…) or deletes it (`-delete`).

`defang_problem` (CK-DF-032) asks that of the final stage: both bits cleared, by RUNs that run as
root, after the last package install (which may add setuid programs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from caulk.check.dockerfile.context import LintContext, Run
from caulk.check.dockerfile.rules.toolchain import installs_packages
from caulk.check.dockerfile.rules.users import is_root
from caulk.check.dockerfile.shell import Command
from caulk.check.dockerfile.syntax import Stage

__all__ = ["Defang", "chmod_clears", "defang_of", "defang_problem"]

_NARROWING = frozenset(
    ["-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex",
     "-user", "-uid", "-group", "-gid", "-inum", "-samefile", "-maxdepth", "-links", "-size",
     "-newer", "-lname", "-ilname", "-mtime", "-mmin", "-ctime", "-cmin", "-atime", "-amin"]
)  # fmt: skip
_BOTH = frozenset({"u", "g"})


@dataclass(frozen=True, slots=True)
class Defang:
    """A `find` over setuid/setgid files: the bits it removes everywhere, or why it does not."""

    cleared: frozenset[str]  # subset of {"u", "g"}
    problem: str = ""  # empty when `cleared` is what the command does


def _perm_selects(value: str) -> frozenset[str]:
    """Which special bits a `-perm` test selects *every* carrier of."""
    if value.startswith(("/", "+")):
        body, any_of = value[1:], True
    elif value.startswith("-"):
        body, any_of = value[1:], False
    else:
        return frozenset()  # exact mode: only files with exactly that mode
    if body.isdigit():
        bits = int(body, 8) >> 9 if len(body) >= 4 else 0
        found = frozenset(b for b, m in (("u", 0o4), ("g", 0o2)) if bits & m)
    else:
        found = frozenset()
        for clause in body.split(","):
            who, _, perms = clause.replace("=", "+").partition("+")
            if "s" in perms:
                found |= _BOTH if who in ("", "a") or "a" in who else frozenset(who) & _BOTH
    if any_of or len(found) <= 1:
        return found
    return frozenset()  # -perm -6000: only the files that carry both bits


def chmod_clears(mode: str) -> frozenset[str]:
    """The special bits a chmod MODE clears on a regular file."""
    if mode.isdigit() and all(c in "01234567" for c in mode):
        special = int(mode, 8) >> 9 if len(mode) >= 4 else 0
        return frozenset(b for b, m in (("u", 0o4), ("g", 0o2)) if not special & m)
    cleared: set[str] = set()
    for clause in mode.split(","):
        k = 0
        while k < len(clause) and clause[k] in "ugoa":
            k += 1
        who = clause[:k] or "a"
        targets = _BOTH if "a" in who else frozenset(who) & _BOTH
        rest = clause[k:]
        while rest:
            op = rest[0]
            if op not in "+-=":
                return frozenset(cleared)
            perms = rest[1:]
            nxt = min((perms.find(o) for o in "+-=" if o in perms), default=len(perms))
            perms, rest = perms[:nxt], perms[nxt:]
            if (op == "-" and "s" in perms) or (op == "=" and "s" not in perms):
                cleared |= targets
            elif "s" in perms:
                cleared -= targets
    return frozenset(cleared)


def _exec_command(args: Sequence[str], k: int) -> tuple[list[str], int]:
    out: list[str] = []
    while k < len(args) and args[k] not in (";", "+"):
        out.append(args[k])
        k += 1
    return out, k + 1


def _chmod_of(argv: Sequence[str]) -> frozenset[str] | None:
    """Bits cleared by `chmod [-R…] MODE …`, None when `argv` is not a chmod."""
    if not argv or argv[0].rsplit("/", 1)[-1] != "chmod":
        return None
    modes = [
        a
        for a in argv[1:]
        if a != "{}" and not a.startswith("--") and not (a.startswith("-") and "s" not in a)
    ]
    return chmod_clears(modes[0]) if modes else frozenset()


def defang_of(cmd: Command, piped_into: Command | None = None) -> Defang | None:
    """The de-fang `cmd` performs, or None when it is not a `find` testing setuid/setgid bits."""
    if cmd.name != "find":
        return None
    args = cmd.args
    k = 0
    roots: list[str] = []
    while k < len(args) and not args[k].startswith(("-", "(", "!", "\\(")):
        roots.append(args[k])
        k += 1
    selects: frozenset[str] = frozenset()
    perms: list[str] = []
    cleared: frozenset[str] | None = None
    listing = ""
    narrowed = ""
    while k < len(args):
        a = args[k]
        prev = args[k - 1] if k else ""
        if a == "-perm" and k + 1 < len(args):
            selects |= _perm_selects(args[k + 1])
            perms.append(args[k + 1])
            k += 2
            continue
        if a in _NARROWING and prev not in ("!", "-not"):
            prune = k + 2 < len(args) and args[k + 2] == "-prune"
            if not prune and not narrowed:
                narrowed = f"{a} {args[k + 1] if k + 1 < len(args) else ''}".strip()
        if a in ("-exec", "-execdir", "-ok", "-okdir"):
            argv, k = _exec_command(args, k + 1)
            bits = _chmod_of(argv)
            if bits is not None:
                cleared = (cleared or frozenset()) | bits
            elif argv:
                listing = listing or " ".join(argv)
            continue
        if a == "-delete":
            cleared = _BOTH
        k += 1
    if not perms:
        return None
    if cleared is None and piped_into is not None and piped_into.name == "xargs":
        xargs = list(piped_into.args)
        while xargs and xargs[0].startswith("-"):
            xargs.pop(0)
        cleared = _chmod_of(xargs)
    if cleared is None:
        what = f"`{listing}`" if listing else "nothing"
        return Defang(frozenset(), f"`find -perm` runs {what} on what it finds: the bits stay")
    if "/" not in roots:
        shown = " ".join(roots) or "."
        return Defang(frozenset(), f"`find {shown}` does not start at /")
    if narrowed:
        return Defang(frozenset(), f"`find` is narrowed by `{narrowed}`")
    shown = " ".join(f"-perm {p}" for p in perms)
    if not selects:
        return Defang(frozenset(), f"`{shown}` does not select every setuid/setgid file")
    if not selects & cleared:
        return Defang(frozenset(), f"the chmod after `{shown}` clears none of those bits")
    return Defang(selects & cleared)


def defang_problem(ctx: LintContext, lineage: list[Stage], runs: list[Run]) -> str | None:
    """None when the final stage de-fangs every setuid and setgid file after its last package
    install, as root; otherwise why not (without claiming what the base image contains)."""
    indexes = {s.index for s in lineage}
    root_at = _root_runs(ctx, indexes)
    last_install: tuple[int, int] | None = None
    cleared: set[str] = set()
    notes: list[str] = []
    for run in runs:
        line = run.instruction.span.line
        for k, c in enumerate(run.commands):
            if installs_packages(c):
                last_install = (line, k)
                if cleared:
                    notes.append(f"a package install at line {line} comes after the de-fang")
                cleared.clear()
            nxt = run.commands[k + 1] if k + 1 < len(run.commands) else None
            piped = (
                nxt if nxt is not None and c.pipeline >= 0 and nxt.pipeline == c.pipeline else None
            )
            found = defang_of(c, piped)
            if found is None:
                if c.name == "chmod" and any("s" in a and "-" in a for a in c.args):
                    notes.append(
                        f"line {line}: `chmod {' '.join(c.args)}` changes named files only"
                    )
                continue
            if found.problem:
                notes.append(f"line {line}: {found.problem}")
            elif run.instruction.index not in root_at:
                notes.append(f"line {line}: the de-fang runs as a non-root USER")
            else:
                cleared |= found.cleared
    if cleared >= {"u", "g"}:
        return None
    if cleared:
        kept = "setgid" if "u" in cleared else "setuid"
        return f"the final stage's de-fang leaves the {kept} bits (use -perm /6000 … chmod a-s)"
    head = "the final stage removes no setuid/setgid bits"
    if last_install is not None:
        head += f" after its last package install (line {last_install[0]})"
    return head + (f": {'; '.join(notes[-2:])}" if notes else "")


def _root_runs(ctx: LintContext, indexes: set[int]) -> set[int]:
    """Instruction indexes of the lineage's RUNs that run as root."""
    out: set[int] = set()
    root = True
    for ins in ctx.instructions:
        if ins.stage not in indexes:
            continue
        if ins.keyword == "USER":
            root = is_root(ins.args)
        elif ins.keyword == "RUN" and root:
            out.add(ins.index)
    return out
