"""The guide's practices for the final stage: no build toolchain (use multi-stage), scratch or
distroless for a lone static binary, the de-fang line for images that keep a distro, a
HEALTHCHECK."""

from __future__ import annotations

import re
from collections.abc import Iterator

from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.context import Hit, LintContext, register_check
from caulk.check.dockerfile.rules.defang import defang_problem
from caulk.check.dockerfile.rules.toolchain import stage_env, toolchain_left
from caulk.check.dockerfile.syntax import Stage

__all__: list[str] = []

_DISTROLESS = re.compile(r"(^|/)(distroless|static|chainguard|wolfi-base)|gcr\.io/distroless")


def _lineage(ctx: LintContext, stage: Stage) -> list[Stage]:
    out, seen = [stage], {stage.index}
    while out[-1].parent is not None and out[-1].parent not in seen:
        seen.add(out[-1].parent)
        out.append(ctx.stages[out[-1].parent])
    return out


@register_check(cat.TOOLCHAIN, cat.STATIC_BINARY, cat.NO_DEFANG, cat.NO_HEALTHCHECK)
def final_stage(ctx: LintContext) -> Iterator[Hit]:
    final = ctx.dockerfile.final_stage
    if final is None:
        return
    lineage = _lineage(ctx, final)
    indexes = {s.index for s in lineage}
    runs = [r for r in ctx.runs if r.stage in indexes and r.instruction.keyword == "RUN"]
    env = stage_env(ctx, indexes)
    for run in runs:
        what = toolchain_left(run, env)
        if what is not None:
            yield Hit(
                cat.TOOLCHAIN,
                f"the final stage runs `{what}`: build in an earlier stage",
                run.instruction,
            )
            break
    root = lineage[-1]
    bare = root.is_scratch or bool(_DISTROLESS.search(root.base.text))
    if not bare and not runs and len(ctx.stages) > 1:
        copies = [i for i in final.instructions if i.keyword == "COPY" and i.flag("from")]
        builders = [
            ctx.dockerfile.stage_by_name((c.flag("from") or _NO).value or "") for c in copies
        ]
        if copies and any(b is not None and _static_build(b) for b in builders):
            yield Hit(
                cat.STATIC_BINARY,
                f"the final stage on {root.base.text} only copies a static binary: "
                "use FROM scratch or distroless",
                final.from_instruction,
            )
    if not bare:
        problem = defang_problem(ctx, lineage, runs)
        if problem is not None:
            yield Hit(cat.NO_DEFANG, problem, final.from_instruction)
    if not any(i.keyword == "HEALTHCHECK" for s in lineage for i in s.instructions):
        yield Hit(cat.NO_HEALTHCHECK, "the final stage has no HEALTHCHECK", final.from_instruction)


class _NoFlag:
    value = ""


_NO = _NoFlag()


def _static_build(stage: Stage) -> bool:
    text = " ".join(i.args for i in stage.instructions)
    return bool(
        re.search(r"CGO_ENABLED=0|-static\b|musl\b|-extldflags", text)
        or ("go build" in text and "CGO_ENABLED" not in text and "alpine" in stage.base.text)
    )
