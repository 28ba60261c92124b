"""The guide's practices for the final stage: no build toolchain (use multi-stage), scratch or
distroless for a lone static binary, the de-fang line for images that keep a distro, a
HEALTHCHECK."""

from __future__ import annotations

import re
from collections.abc import Iterator

from caulk.check.dockerfile import catalog as cat
from caulk.check.dockerfile.context import Hit, LintContext, Run, register_check
from caulk.check.dockerfile.rules.defang import defang_of
from caulk.check.dockerfile.rules.users import is_root
from caulk.check.dockerfile.shell import Command
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
_REMOVERS = {"apt-get": ("purge", "remove", "autoremove"), "apt": ("purge", "remove", "autoremove"),
             "apk": ("del",), "yum": ("remove", "erase", "autoremove"),
             "dnf": ("remove", "autoremove"), "microdnf": ("remove",),
             "zypper": ("remove", "rm")}  # fmt: skip
_UPGRADERS = {"apt-get": ("upgrade", "dist-upgrade", "full-upgrade"), "apk": ("upgrade",),
              "yum": ("update", "upgrade"), "dnf": ("update", "upgrade"),
              "microdnf": ("update", "upgrade"), "zypper": ("update", "up", "dup")}  # fmt: skip
_DISTROLESS = re.compile(r"(^|/)(distroless|static|chainguard|wolfi-base)|gcr\.io/distroless")
# Debian/Ubuntu names whose compilers come from dependencies (gcc -> gcc-12, build-essential ->
# gcc, g++, make…): removing only the name leaves the toolchain unless autoremove follows
_APT_METAPACKAGES = frozenset(
    ["build-essential", "gcc", "g++", "clang", "llvm", "golang", "golang-go", "default-jdk"]
)
_ASSIGN = re.compile(r"(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s;&|]*)")
_VAR = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


def _toolchain(name: str) -> bool:
    base = name.split("=", 1)[0].split("~", 1)[0]
    return base in TOOLCHAIN_PACKAGES or bool(_JDK.match(base))


def _lineage(ctx: LintContext, stage: Stage) -> list[Stage]:
    out, seen = [stage], {stage.index}
    while out[-1].parent is not None and out[-1].parent not in seen:
        seen.add(out[-1].parent)
        out.append(ctx.stages[out[-1].parent])
    return out


def _words(args: list[str], variables: dict[str, str]) -> list[str]:
    """Package arguments with `$NAME` / `${NAME}` replaced by the words of a known value."""
    out: list[str] = []
    for a in args:
        m = _VAR.match(a)
        out.extend(variables[m.group(1)].split() if m and m.group(1) in variables else [a])
    return out


def _variables(run: Run, env: dict[str, str]) -> dict[str, str]:
    found = dict(env)
    for script in run.scripts:
        for name, value in _ASSIGN.findall(script.text):
            found[name] = value.strip("\"'")
    return found


def _installed(cmd: Command, variables: dict[str, str]) -> tuple[list[str], str | None]:
    """(toolchain packages `cmd` installs, the apk --virtual name grouping them)."""
    verb = _INSTALLERS.get(cmd.name)
    if not verb or not cmd.has_arg(verb):
        return [], None
    virtual = None
    for flag in ("--virtual", "-t"):
        if cmd.name == "apk" and flag in cmd.args:
            k = cmd.args.index(flag)
            virtual = cmd.args[k + 1] if k + 1 < len(cmd.args) else None
    pos = [p for p in cmd.positional(("t", "virtual", "o")) if p != verb]
    return [p for p in _words(pos, variables) if _toolchain(p)], virtual


def _toolchain_in(run: Run, env: dict[str, str]) -> str | None:
    """What in this RUN leaves a build toolchain in the layer: an install whose toolchain
    packages are not all removed later in the same RUN, or a build command."""
    variables = _variables(run, env)
    left: dict[str, str] = {}  # package -> "apt-get install gcc"
    groups: dict[str, set[str]] = {}  # apk --virtual name -> packages
    auto_marked: set[str] = set()  # apt-mark auto: removable by autoremove
    orphans: dict[str, str] = {}  # metapackages removed without autoremove: their deps stay
    for c in run.commands:
        pkgs, virtual = _installed(c, variables)
        for p in pkgs:
            left.setdefault(p.split("=", 1)[0], f"{c.name} {_INSTALLERS[c.name]} {p}")
        if virtual:
            groups.setdefault(virtual, set()).update(p.split("=", 1)[0] for p in pkgs)
        if c.name == "apt-mark" and c.subcommand() == "auto":
            auto_marked.update(_words(c.positional()[1:], variables))
        if c.name in _REMOVERS and c.subcommand() in _REMOVERS[c.name]:
            named = set(_words(c.positional()[1:], variables))
            for group in named & groups.keys():
                named |= groups.pop(group)
            apt = c.name in ("apt-get", "apt")
            autoremove = c.subcommand() == "autoremove" or c.has_flag("auto-remove")
            if autoremove and apt:
                named |= {p for p in left if ".*" in auto_marked or p in auto_marked}
                orphans.clear()  # what the removed metapackages pulled in goes now
            for p in named:
                base = p.split("=", 1)[0]
                what = left.pop(base, None)
                if what and apt and not autoremove and base in _APT_METAPACKAGES:
                    orphans[base] = what
        subs = _BUILD_COMMANDS.get(c.name)
        if subs and c.subcommand() in subs:
            return f"{c.name} {c.subcommand()}"
        prod = ("--production", "--only=production", "--omit=dev")
        if c.name == "npm" and c.subcommand() == "ci" and not any(a in prod for a in c.args):
            return "npm ci (with devDependencies)"
    if left:
        first = next(iter(left.values()))
        more = f" (+{len(left) - 1} more not removed)" if len(left) > 1 else ""
        return f"{first}{more}"
    if orphans:
        first = next(iter(orphans.values()))
        return f"{first}, removed without --auto-remove (what it depends on stays)"
    return None


def _stage_env(ctx: LintContext, indexes: set[int]) -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in ctx.instructions:
        if ins.stage in indexes and ins.keyword in ("ENV", "ARG"):
            env.update({p.key: p.value or "" for p in ins.pairs})
    return env


@register_check(cat.TOOLCHAIN, cat.STATIC_BINARY, cat.NO_DEFANG, cat.NO_HEALTHCHECK)
def final_stage(ctx: LintContext) -> Iterator[Hit]:
    final = ctx.dockerfile.final_stage
    if final is None:
        return
    lineage = _lineage(ctx, final)
    indexes = {s.index for s in lineage}
    runs = [r for r in ctx.runs if r.stage in indexes and r.instruction.keyword == "RUN"]
    env = _stage_env(ctx, indexes)
    for run in runs:
        what = _toolchain_in(run, env)
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
        problem = _defang_problem(ctx, lineage, runs)
        if problem is not None:
            yield Hit(cat.NO_DEFANG, problem, final.from_instruction)
    if not any(i.keyword == "HEALTHCHECK" for s in lineage for i in s.instructions):
        yield Hit(cat.NO_HEALTHCHECK, "the final stage has no HEALTHCHECK", final.from_instruction)


def _installs_packages(c: Command) -> bool:
    verb = _INSTALLERS.get(c.name)
    if (verb and c.has_arg(verb)) or c.has_arg(*_UPGRADERS.get(c.name, ())):
        return True
    if c.name == "dpkg":
        return c.has_flag("i", "install")
    return c.name == "rpm" and c.has_flag("i", "U", "F", "install", "upgrade", "freshen")


def _defang_problem(ctx: LintContext, lineage: list[Stage], runs: list[Run]) -> str | None:
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
            if _installs_packages(c):
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


class _NoFlag:
    value = ""


_NO = _NoFlag()


def _static_build(stage: Stage) -> bool:
    text = " ".join(i.args for i in stage.instructions)
    return bool(
        re.search(r"CGO_ENABLED=0|-static\b|musl\b|-extldflags", text)
        or ("go build" in text and "CGO_ENABLED" not in text and "alpine" in stage.base.text)
    )
