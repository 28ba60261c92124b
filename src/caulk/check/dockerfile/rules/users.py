"""Who the image runs as: USER in the final stage, numeric IDs, sudo, useradd."""

from __future__ import annotations

from collections.abc import Iterator

from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.context import Hit, LintContext, register_check
from caulk.check.dockerfile.syntax import Instruction, Stage

__all__: list[str] = ["is_root", "last_user"]


def is_root(user: str) -> bool:
    name = user.strip().strip("\"'").split(":", 1)[0]
    return name in ("root", "0")


def last_user(ctx: LintContext, stage: Stage) -> Instruction | None:
    """The USER in effect at the end of `stage`, following FROM <earlier stage>."""
    seen: set[int] = set()
    current: Stage | None = stage
    while current is not None and current.index not in seen:
        seen.add(current.index)
        users = [i for i in current.instructions if i.keyword == "USER"]
        if users:
            return users[-1]
        current = ctx.stages[current.parent] if current.parent is not None else None
    return None


@register_check(cat.NO_USER, cat.ROOT_USER)
def final_user(ctx: LintContext) -> Iterator[Hit]:
    final = ctx.dockerfile.final_stage
    if final is None:
        return
    user = last_user(ctx, final)
    if user is None:
        yield Hit(
            cat.NO_USER, "the final stage sets no USER, so it runs as root", final.from_instruction
        )
    elif is_root(user.args) and user.stage == final.index:
        yield Hit(cat.ROOT_USER, f"USER {user.args} is root", user)
    elif is_root(user.args):
        yield Hit(
            cat.ROOT_USER,
            f"USER {user.args} (inherited from stage {user.stage}) is root",
            final.from_instruction,
        )


@register_check(cat.NAMED_USER)
def numeric_user(ctx: LintContext) -> Iterator[Hit]:
    for ins, eff in ctx.effective():
        if eff.keyword == "USER":
            uid = eff.args.split(":", 1)[0]
            if not uid.isdigit() and uid:
                yield Hit(cat.NAMED_USER, f"USER {eff.args}: use a numeric UID", ins)


@register_check(cat.SUDO, cat.USERADD_HIGH_UID)
def sudo_useradd(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        for cmd in run.commands:
            if cmd.name == "sudo":
                yield run.hit(cat.SUDO, "sudo in RUN", cmd)
                break
        for cmd in run.commands:
            if cmd.name != "useradd" or cmd.has_flag("l", "no-log-init"):
                continue
            uid = ""
            for k, a in enumerate(cmd.args):
                if a in ("-u", "--uid") and k + 1 < len(cmd.args):
                    uid = cmd.args[k + 1]
                elif a.startswith("--uid="):
                    uid = a.split("=", 1)[1]
            if uid.isdigit() and len(uid) > 5:
                yield run.hit(cat.USERADD_HIGH_UID, f"useradd -u {uid} without -l", cmd)
                break
