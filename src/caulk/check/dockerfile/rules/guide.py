"""The guide's practices for the final stage: no build toolchain (use multi-stage), scratch or
distroless for a lone static binary, the de-fang line for images that keep a distro, a
HEALTHCHECK."""

from __future__ import annotations

import re
from collections.abc import Iterator

from caulk.check.dockerfile import catalog as cat
from caulk.check.dockerfile.context import Hit, LintContext, Run, register_check
from caulk.check.dockerfile.syntax import Stage

__all__: list[str] = []

TOOLCHAIN_PACKAGES = frozenset(
    [
        "gcc",
        "g++",
        "gcc-c++",
        "make",
        "cmake",
        "build-essential",
        "build-base",
        "clang",
        "llvm",
        "golang",
        "golang-go",
        "go",
        "maven",
        "gradle",
        "rustc",
        "cargo",
        "rust",
        "default-jdk",
        "openjdk-jdk",
        "musl-dev",
        "libc-dev",
        "libc6-dev",
        "autoconf",
        "automake",
        "libtool",
    ]
)
_JDK = re.compile(r"^(openjdk-?\d*-jdk(-headless)?|openjdk\d*(-jdk)?|java-\d+-openjdk-devel)$")
_BUILD_COMMANDS = {
    "go": ("build",),
    "mvn": ("package", "install", "compile", "verify"),
    "gradle": ("build", "assemble"),
    "cargo": ("build", "install"),
}
_INSTALLERS = {"apt-get": "install", "apt": "install", "apk": "add", "yum": "install",
               "dnf": "install", "microdnf": "install", "zypper": "install"}  # fmt: skip
_REMOVERS = {"apt-get": ("purge", "remove", "autoremove"), "apk": ("del",),
             "yum": ("remove", "erase", "autoremove"), "dnf": ("remove", "autoremove")}  # fmt: skip
_DISTROLESS = re.compile(r"(^|/)(distroless|static|chainguard|wolfi-base)|gcr\.io/distroless")
_DEFANG = re.compile(r"chmod\s+(?:[augo]*-s|[0-7]*[0-7]{3}\b.*-perm)|-perm\s+/?[+-]?[46]000")


def _toolchain(name: str) -> bool:
    base = name.split("=", 1)[0].split("~", 1)[0]
    return base in TOOLCHAIN_PACKAGES or bool(_JDK.match(base))


def _lineage(ctx: LintContext, stage: Stage) -> list[Stage]:
    out, seen = [stage], {stage.index}
    while out[-1].parent is not None and out[-1].parent not in seen:
        seen.add(out[-1].parent)
        out.append(ctx.stages[out[-1].parent])
    return out


def _toolchain_in(run: Run) -> str | None:
    removed = any(c.name in _REMOVERS and c.subcommand() in _REMOVERS[c.name] for c in run.commands)
    for c in run.commands:
        verb = _INSTALLERS.get(c.name)
        if verb and c.has_arg(verb) and not removed:
            for p in c.positional():
                if _toolchain(p):
                    return f"{c.name} {verb} {p}"
        subs = _BUILD_COMMANDS.get(c.name)
        if subs and c.subcommand() in subs:
            return f"{c.name} {c.subcommand()}"
        prod = ("--production", "--only=production", "--omit=dev")
        if c.name == "npm" and c.subcommand() == "ci" and not any(a in prod for a in c.args):
            return "npm ci (with devDependencies)"
    return None


@register_check(cat.TOOLCHAIN, cat.STATIC_BINARY, cat.NO_DEFANG, cat.NO_HEALTHCHECK)
def final_stage(ctx: LintContext) -> Iterator[Hit]:
    final = ctx.dockerfile.final_stage
    if final is None:
        return
    lineage = _lineage(ctx, final)
    indexes = {s.index for s in lineage}
    runs = [r for r in ctx.runs if r.stage in indexes and r.instruction.keyword == "RUN"]
    for run in runs:
        what = _toolchain_in(run)
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
    if not bare and not any(_DEFANG.search(" ".join(s.text for s in r.scripts)) for r in runs):
        yield Hit(
            cat.NO_DEFANG,
            f"the final stage keeps {root.base.text}'s setuid/setgid binaries",
            final.from_instruction,
        )
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
