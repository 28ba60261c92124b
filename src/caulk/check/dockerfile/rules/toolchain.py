"""Build toolchains in a RUN (CK-DF-030): what the package managers install and whether the same
RUN removes all of it again, and which commands install packages at all (for the de-fang's place).

Removal counts only for the toolchain packages that were installed: named in `apt-get purge`/
`remove` (directly or through a `$VAR` set in the RUN or by ENV/ARG), `apt-mark auto` of them (or
`'.*'`) followed by autoremove, `apk del` of their `--virtual` group, `yum`/`dnf remove`. A Debian
metapackage removed by name leaves what it pulled in unless autoremove follows.
"""

from __future__ import annotations

import re

from caulk.check.dockerfile.context import LintContext, Run
from caulk.check.dockerfile.shell import Command

__all__ = ["TOOLCHAIN_PACKAGES", "installs_packages", "stage_env", "toolchain_left"]

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


def toolchain_left(run: Run, env: dict[str, str]) -> str | None:
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


def stage_env(ctx: LintContext, indexes: set[int]) -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in ctx.instructions:
        if ins.stage in indexes and ins.keyword in ("ENV", "ARG"):
            env.update({p.key: p.value or "" for p in ins.pairs})
    return env


def installs_packages(c: Command) -> bool:
    verb = _INSTALLERS.get(c.name)
    if (verb and c.has_arg(verb)) or c.has_arg(*_UPGRADERS.get(c.name, ())):
        return True
    if c.name == "dpkg":
        return c.has_flag("i", "install")
    return c.name == "rpm" and c.has_flag("i", "U", "F", "install", "upgrade", "freshen")
