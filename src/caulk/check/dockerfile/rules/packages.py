"""Package-manager rules: apt, apk, yum/dnf/microdnf, zypper, pip, npm, yarn, gem, go."""

from __future__ import annotations

from collections.abc import Iterator

from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.context import Hit, LintContext, Run, register_check
from caulk.check.dockerfile.shell import Command

__all__: list[str] = []

_TRUTHY = frozenset(["1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES"])


def _with(run: Run, name: str, *subs: str) -> list[Command]:
    """Commands called `name` that have any of `subs` among their arguments."""
    return [c for c in run.commands if c.name == name and (not subs or c.has_arg(*subs))]


def _cache_mount(run: Run, *targets: str) -> bool:
    for value in run.run.flag_values("mount"):
        fields = dict(p.partition("=")[::2] for p in value.split(","))
        if fields.get("type") in ("cache", "tmpfs"):
            target = fields.get("target") or fields.get("dst") or fields.get("destination") or ""
            if any(target.strip("\"'").startswith(t) for t in targets):
                return True
    return False


def _unpinned(packages: list[str], fixed: object) -> list[str]:
    assert callable(fixed)
    return [p for p in packages if not fixed(p)]


def _pkg_message(prefix: str, pkgs: list[str]) -> str:
    shown = ", ".join(pkgs[:5]) + (f" (+{len(pkgs) - 5} more)" if len(pkgs) > 5 else "")
    return f"{prefix}: {shown}"


def _removes(run: Run, path: str) -> bool:
    return any(any(a.startswith(path) for a in c.positional()) for c in _with(run, "rm"))


# -- apt -------------------------------------------------------------------------------------
def _apt_fixed(p: str) -> bool:
    return "=" in p or "/" in p or p.endswith(".deb")


@register_check(cat.APT_PIN, cat.APT_YES, cat.APT_RECOMMENDS, cat.APT_CLI)
def apt_install(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        installs = _with(run, "apt-get", "install")
        for cmd in installs:
            pkgs = [p for p in cmd.positional(("t", "target-release")) if p != "install"]
            loose = _unpinned(pkgs, _apt_fixed)
            if loose:
                yield run.hit(cat.APT_PIN, _pkg_message("unpinned apt packages", loose), cmd)
                break
        for cmd in installs:
            if not assumes_yes(cmd):
                yield run.hit(cat.APT_YES, "apt-get install without -y", cmd)
                break
        for cmd in installs:
            if not cmd.has_flag("no-install-recommends") and not any(
                "APT::Install-Recommends=" in a and a.rsplit("=", 1)[1] in ("false", "0")
                for a in cmd.args
            ):
                yield run.hit(
                    cat.APT_RECOMMENDS, "apt-get install without --no-install-recommends", cmd
                )
                break
        for cmd in _with(run, "apt"):
            yield run.hit(cat.APT_CLI, f"`apt {cmd.subcommand() or ''}`: use apt-get", cmd)
            break


def assumes_yes(cmd: Command) -> bool:
    """apt-get answers its own prompts: -y/--yes/--assume-yes, -qq (quiet level 2 implies -y),
    or `-o APT::Get::Assume-Yes=true`."""
    if cmd.has_flag("y", "yes", "assume-yes"):
        return True
    if sum(1 for f, _ in cmd.flags() if f == "q") >= 2 or any(
        a in ("-q=2", "--quiet=2") for a in cmd.args
    ):
        return True
    return any(
        a.lower().replace("apt::get::assume-yes=", "", 1) in ("true", "1", "yes")
        for a in cmd.args
        if a.lower().startswith("apt::get::assume-yes=")
    )


_APT_UPGRADES = ("upgrade", "dist-upgrade", "full-upgrade")


def _apt_action(cmd: Command) -> str | None:
    pos = cmd.positional(("o", "option", "t", "target-release", "c", "config-file"))
    return pos[0] if pos else None


def _apt_upgrades(run: Run) -> list[Command]:
    return [c for c in _with(run, "apt-get") if _apt_action(c) in _APT_UPGRADES]


@register_check(cat.APT_UPGRADE_YES)
def apt_upgrade(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        for cmd in _apt_upgrades(run):
            if not assumes_yes(cmd):
                yield run.hit(
                    cat.APT_UPGRADE_YES,
                    f"apt-get {_apt_action(cmd)} without -y aborts a non-interactive build"
                    " as soon as a package is to be upgraded",
                    cmd,
                )
                break


def _kept_stages(ctx: LintContext) -> set[int]:
    """The final stage and the stages other stages build FROM (their layers ship)."""
    kept = {len(ctx.stages) - 1} if ctx.stages else set()
    kept |= {s.parent for s in ctx.stages if s.parent is not None}
    return kept


@register_check(cat.APT_LISTS, cat.APT_CLEAN, cat.APT_UPDATE_ALONE)
def apt_cleanup(ctx: LintContext) -> Iterator[Hit]:
    kept = _kept_stages(ctx)
    updated: set[int] = set()
    for run in ctx.runs:
        updates = _with(run, "apt-get", "update")
        installs = _with(run, "apt-get", "install")
        upgrades = _apt_upgrades(run)
        shipped = run.stage in kept or run.stage < 0 or run.instruction.keyword == "ONBUILD"
        lists_kept = not _removes(run, "/var/lib/apt/lists") and not (
            _cache_mount(run, "/var/lib/apt/lists")
            or (_cache_mount(run, "/var/lib/apt") and _cache_mount(run, "/var/cache/apt"))
        )
        if updates and shipped and lists_kept:
            yield run.hit(
                cat.APT_LISTS, "apt-get update without rm -rf /var/lib/apt/lists/*", updates[0]
            )
        cleaned = _with(run, "apt-get", "clean", "autoclean") or _removes(run, "/var/cache/apt")
        if installs and shipped and not cleaned and not _cache_mount(run, "/var/cache/apt"):
            yield run.hit(cat.APT_CLEAN, "apt-get install without apt-get clean", installs[0])
        if updates and not installs and not upgrades:
            yield run.hit(
                cat.APT_UPDATE_ALONE, "apt-get update in a RUN that installs nothing", updates[0]
            )
        elif (installs or upgrades) and not updates and run.stage in updated:
            yield run.hit(
                cat.APT_UPDATE_ALONE,
                f"apt-get {'install' if installs else _apt_action(upgrades[0])} relies on an"
                " apt-get update from an earlier RUN (stale cache)",
                (installs or upgrades)[0],
            )
        if updates:
            updated.add(run.stage)


# -- apk -------------------------------------------------------------------------------------
@register_check(cat.APK_PIN, cat.APK_CACHE)
def apk(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        adds = _with(run, "apk", "add")
        for cmd in adds:
            pkgs = [p for p in _positional_values(cmd, ("t", "virtual", "repository", "X"))]
            pkgs = [p for p in pkgs if p != "add"]
            loose = [p for p in pkgs if not ("=" in p or "~" in p or p.endswith(".apk"))]
            if loose:
                yield run.hit(cat.APK_PIN, _pkg_message("unpinned apk packages", loose), cmd)
                break
        for cmd in adds:
            if not cmd.has_flag("no-cache") and not _cache_mount(run, "/var/cache/apk"):
                yield run.hit(cat.APK_CACHE, "apk add without --no-cache", cmd)
                break


def _positional_values(cmd: Command, takes_value: tuple[str, ...]) -> list[str]:
    """Positional args; the value after a `takes_value` flag is dropped unless given as
    `--flag=value` (hadolint drops the next word even then)."""
    skip: set[int] = set()
    flag_idx: set[int] = set()
    for name, k in cmd.flags():
        flag_idx.add(k)
        if name in takes_value and "=" not in cmd.args[k]:
            skip.add(k + 1)
    return [a for k, a in enumerate(cmd.args) if k not in flag_idx and k not in skip]


# -- rpm: yum, dnf, microdnf, zypper ---------------------------------------------------------
def _rpm_version_like(p: str) -> bool:
    parts = p.split("-")
    if len(parts) <= 1:
        return False
    if p.endswith(".rpm"):
        return True
    rest = parts[1:]
    if any(part.startswith("$") for part in rest):
        return True  # the version comes from a build argument: pkg-$VERSION
    ok = set("._~^:+")
    return all(
        all(ch.isascii() and (ch.isalnum() or ch in ok) for ch in part) for part in rest
    ) and any(part[:1].isdigit() for part in rest)


@register_check(cat.YUM_YES, cat.YUM_CLEAN, cat.YUM_PIN)
def yum(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        installs = [c for c in _with(run, "yum", "install", "groupinstall", "localinstall")]
        if not installs:
            continue
        first = installs[0]
        if any(not c.has_flag("y", "assumeyes") for c in installs):
            yield run.hit(cat.YUM_YES, "yum install without -y", first)
        cleaned = any(c.has_arg("clean") and c.has_arg("all") for c in _with(run, "yum"))
        if (
            not cleaned
            and not _removes(run, "/var/cache/yum")
            and not _cache_mount(run, "/var/cache/yum")
        ):
            yield run.hit(cat.YUM_CLEAN, "yum install without yum clean all", first)
        for cmd in installs:
            if cmd.has_arg("module", "groupinstall"):
                continue
            pkgs = [p for p in cmd.positional() if p not in ("install", "localinstall")]
            loose = [p for p in pkgs if "-" not in p and not p.endswith(".rpm")]
            if loose:
                yield run.hit(cat.YUM_PIN, _pkg_message("unpinned yum packages", loose), cmd)
                break


@register_check(cat.DNF_YES, cat.DNF_CLEAN, cat.DNF_PIN)
def dnf(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        dnfs = [c for c in run.commands if c.name in ("dnf", "microdnf")]
        installs = [c for c in dnfs if c.has_arg("install")]
        if not installs:
            continue
        first = installs[0]
        if any(c.name == "dnf" and not c.has_flag("y", "assumeyes") for c in installs):
            yield run.hit(cat.DNF_YES, "dnf install without -y", first)
        cleaned = any(c.has_arg("clean") and c.has_arg("all") for c in dnfs)
        cleaned = cleaned or _removes(run, "/var/cache/dnf") or _removes(run, "/var/cache/yum")
        if not cleaned and not _cache_mount(run, "/var/cache/dnf", "/var/cache/yum"):
            yield run.hit(
                cat.DNF_CLEAN, f"{first.name} install without {first.name} clean all", first
            )
        for cmd in installs:
            is_module = cmd.has_arg("module")
            if cmd.has_arg("group") and not is_module:
                continue
            pkgs = [p for p in cmd.positional() if p not in ("install", "module")]
            if is_module:
                loose = [p for p in pkgs if ":" not in p]
            else:
                loose = [p for p in pkgs if not _rpm_version_like(p)]
            if loose:
                yield run.hit(
                    cat.DNF_PIN, _pkg_message(f"unpinned {cmd.name} packages", loose), cmd
                )
                break


_ZYPPER_ACTIONS = ("install", "in", "remove", "rm", "source-install", "si", "patch")


@register_check(cat.ZYPPER_YES, cat.ZYPPER_DUP, cat.ZYPPER_CLEAN, cat.ZYPPER_PIN)
def zypper(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        zs = _with(run, "zypper")
        for cmd in zs:
            if cmd.has_arg(*_ZYPPER_ACTIONS) and not cmd.has_flag(
                "n", "non-interactive", "y", "no-confirm"
            ):
                yield run.hit(cat.ZYPPER_YES, "zypper without -n / -y", cmd)
                break
        for cmd in zs:
            if cmd.has_arg("dist-upgrade", "dup"):
                yield run.hit(cat.ZYPPER_DUP, "zypper dist-upgrade", cmd)
                break
        installs = [c for c in zs if c.has_arg("install", "in")]
        if installs and not any(c.has_arg("clean", "cc") for c in zs):
            yield run.hit(cat.ZYPPER_CLEAN, "zypper install without zypper clean", installs[0])
        for cmd in installs:
            pkgs = [p for p in cmd.positional() if p not in ("install", "in")]
            loose = [
                p
                for p in pkgs
                if not any(s in p for s in ("=", ">", "<")) and not p.endswith(".rpm")
            ]
            if loose:
                yield run.hit(cat.ZYPPER_PIN, _pkg_message("unpinned zypper packages", loose), cmd)
                break


# -- pip -------------------------------------------------------------------------------------
_PIP_VALUE_FLAGS = [
    "abi",
    "b",
    "build",
    "e",
    "editable",
    "extra-index-url",
    "f",
    "find-links",
    "i",
    "index-url",
    "implementation",
    "no-binary",
    "only-binary",
    "platform",
    "prefix",
    "progress-bar",
    "proxy",
    "python-version",
    "root",
    "src",
    "t",
    "target",
    "trusted-host",
    "upgrade-strategy",
]
_VCS = ("git+", "hg+", "svn+", "bzr+", "git", "svn")
_PIP_OPS = ("==", ">=", "<=", ">", "<", "!=", "~=", "===")


def is_pip_install(cmd: Command) -> bool:
    if cmd.name.startswith("pip") and "install" in cmd.args:
        return True
    if cmd.name.startswith("python"):
        a = cmd.args
        return any(a[k : k + 3] == ("-m", "pip", "install") for k in range(len(a)))
    return False


def _pip_packages(cmd: Command) -> list[str]:
    pos = cmd.positional(tuple(_PIP_VALUE_FLAGS))
    if "install" in pos:
        pos = pos[pos.index("install") :]
    while pos and pos[0] == "install":
        pos = pos[1:]
    return pos


def _pip_fixed(p: str) -> bool:
    vcs = p.startswith(_VCS)
    return (
        any(op in p for op in _PIP_OPS)
        or (vcs and "@" in p)
        or p.endswith((".whl", ".tar.gz"))
        or (not vcs and "/" in p)
    )


@register_check(cat.PIP_PIN, cat.PIP_CACHE)
def pip(ctx: LintContext) -> Iterator[Hit]:
    no_cache_stage: dict[int, bool] = {}
    for ins, eff in ctx.effective():
        if eff.keyword == "ENV":
            for p in eff.pairs:
                if p.key == "PIP_NO_CACHE_DIR" and (p.value or "") in _TRUTHY:
                    no_cache_stage[ins.stage] = True
        if eff.keyword == "FROM" and ins.stage >= 0:
            parent = ctx.stages[ins.stage].parent
            no_cache_stage[ins.stage] = parent is not None and no_cache_stage.get(parent, False)
    for run in ctx.runs:
        pips = [c for c in run.commands if is_pip_install(c)]
        for cmd in pips:
            args = cmd.args
            if "-r" in args or "--requirement" in args or "." in args:
                continue
            if cmd.has_flag("constraint", "c"):
                continue
            loose = [p for p in _pip_packages(cmd) if not _pip_fixed(p)]
            if loose:
                yield run.hit(cat.PIP_PIN, _pkg_message("unpinned pip packages", loose), cmd)
                break
        if no_cache_stage.get(run.stage) or _pip_env_inline(run):
            continue
        if _cache_mount(run, "/root/.cache/pip", "/root/.cache"):
            continue
        for cmd in pips:
            wrapper = "pipx" in cmd.name or "pipenv" in cmd.name
            if "--no-cache-dir" not in cmd.args and not wrapper:
                yield run.hit(cat.PIP_CACHE, "pip install without --no-cache-dir", cmd)
                break


def _pip_env_inline(run: Run) -> bool:
    text = " ".join(s.text for s in run.scripts)
    _, found, after = text.partition("PIP_NO_CACHE_DIR=")
    return bool(found) and any(after.startswith(t) for t in _TRUTHY)


# -- npm, yarn, gem, go ----------------------------------------------------------------------
def _npm_fixed(p: str) -> bool:
    if p.startswith(("git://", "git+ssh://", "git+http://", "git+https://")):
        return "#" in p
    if p.endswith((".tar", ".tar.gz", ".tgz")) or p.startswith(("/", "./", "../", "~/")):
        return True
    name = p.split("/", 1)[1] if p.startswith("@") and "/" in p else p
    return "@" in name


@register_check(cat.NPM_PIN, cat.NPM_CACHE, cat.YARN_CACHE)
def npm(ctx: LintContext) -> Iterator[Hit]:
    kept = _kept_stages(ctx)
    for run in ctx.runs:
        npms = _with(run, "npm")
        for cmd in npms:
            pos = cmd.positional()
            if not pos or pos[0] != "install":
                continue
            loose = [p for p in pos[1:] if not _npm_fixed(p)]
            if loose:
                yield run.hit(cat.NPM_PIN, _pkg_message("unpinned npm packages", loose), cmd)
                break
        installs = [c for c in npms if c.subcommand() in ("install", "i", "ci")]
        cleaned = any(c.has_arg("cache") and c.has_arg("clean") for c in npms)
        if installs and run.stage in kept and not cleaned and not _cache_mount(run, "/root/.npm"):
            yield run.hit(cat.NPM_CACHE, "npm install without npm cache clean --force", installs[0])
        yarns = _with(run, "yarn")
        yarn_installs = [c for c in yarns if c.has_arg("install")]
        if (
            yarn_installs
            and run.stage in kept
            and not any(c.has_arg("cache") and c.has_arg("clean") for c in yarns)
            and not _cache_mount(run, "/usr/local/share/.cache/yarn")
        ):
            yield run.hit(cat.YARN_CACHE, "yarn install without yarn cache clean", yarn_installs[0])


@register_check(cat.GEM_PIN, cat.GO_PIN)
def gem_go(ctx: LintContext) -> Iterator[Hit]:
    for run in ctx.runs:
        for cmd in _with(run, "gem", "install", "i"):
            if cmd.has_arg("-v", "--version") or any(a.startswith("--version=") for a in cmd.args):
                continue
            gems = [a for a in cmd.positional() if a not in ("install", "i", "--")]
            loose = [g for g in gems if ":" not in g]
            if loose:
                yield run.hit(cat.GEM_PIN, _pkg_message("unpinned gems", loose), cmd)
                break
        for cmd in _with(run, "go", "install", "get"):
            pkgs = [a for a in cmd.positional()[1:] if not a.startswith((".", "/"))]
            loose = [p for p in pkgs if "@" not in p]
            if loose:
                yield run.hit(cat.GO_PIN, _pkg_message("go install without @version", loose), cmd)
                break
