"""Write docs/rules/CK-DF-*.md from the rule set: `python -m caulk.check.dockerfile.docgen
docs/rules`. tests/unit/check/dockerfile/test_docs.py fails when a page is missing or stale."""

from __future__ import annotations

import sys
from pathlib import Path

from caulk.check.dockerfile import ruleset as cat
from caulk.check.rules import Rule

__all__ = ["NOTES", "page", "write_pages"]

# What the rule accepts and why, where the one-line remediation is not enough.
NOTES = {
    cat.TOOLCHAIN.id: (
        "Installing a toolchain and removing it in the *same* RUN is accepted only when every "
        "toolchain package installed is removed: `apt-get purge`/`remove` naming them (directly or "
        "through a `$VAR` set in the RUN or by ENV/ARG), `apt-mark auto` of them (or `'.*'`) "
        "followed by `apt-get purge --auto-remove`/`autoremove`, `apk del` of the `--virtual` "
        "group, `yum`/`dnf remove`. A purge of other packages does not count; the message names "
        "what is left. Removing a Debian metapackage (`build-essential`, `gcc`, `g++`, `clang`, "
        "`golang-go`, `default-jdk`…) by name leaves the compilers it pulled in (`gcc-12`, "
        "`make`…): it counts only with `--auto-remove` or a later `apt-get autoremove`."
    ),
    cat.NO_DEFANG.id: (
        "Satisfied only by a de-fang in the final stage (or the stages it is built FROM) that runs "
        "as root *after the last package install* (`apt-get install/upgrade`, `apk add`, "
        "`dnf install`, `dpkg -i`, `rpm -i`…, which may add setuid programs) and removes the bits "
        "from every file that has them: a `find` starting at `/`, selecting with `-perm /6000` "
        "(or `/4000` plus `/2000`, `/u+s,g+s`), not narrowed by `-name`/`-path`/`-user`/"
        "`-maxdepth`…, whose `-exec chmod` (or `| xargs chmod`) clears the bits (`a-s`, "
        "`u-s,g-s`, a numeric mode) or `-delete`s the files. A read-only listing "
        "(`-exec ls -ld {} \\;`), a `chmod u-s` of named files, or a de-fang followed by "
        "`apt-get install sudo` do not count; the message says which was found. The rule does not "
        "know what the base image contains: scan the built image for CK-IMG-001 to see the files."
    ),
    cat.APT_UPDATE_ALONE.id: (
        "`apt-get update && apt-get upgrade` (or `dist-upgrade`/`full-upgrade`) in one RUN is "
        "accepted: upgrading the base's packages at build time is the guide's advice and hadolint "
        "does not flag it either. An upgrade without `-y` is CK-DF-047."
    ),
    cat.APT_UPGRADE_YES.id: (
        "A separate rule from CK-DF-044 (hadolint's DL3014 covers `install` only). Accepted: "
        "`-y`, `--yes`, `--assume-yes`, `-qq` / `-q=2` (quiet level 2 implies -y) and "
        "`-o APT::Get::Assume-Yes=true`. `DEBIAN_FRONTEND=noninteractive` does not answer "
        "apt-get's own confirmation prompt."
    ),
}


def page(rule: Rule) -> str:
    hadolint = f"`{rule.hadolint}`" if rule.hadolint else "none"
    opt_in = (
        "\nOff by default: enable with `require-digest: true`.\n" if rule.id in cat.OPT_IN else ""
    )
    return (
        f"# {rule.id}: {rule.title}\n\n"
        f"| severity | category | hadolint equivalent |\n|---|---|---|\n"
        f"| {rule.severity.name} | {rule.category} | {hadolint} |\n{opt_in}\n"
        f"## How to fix\n\n{rule.remediation}\n\n"
        + (f"## What counts\n\n{NOTES[rule.id]}\n\n" if rule.id in NOTES else "")
        + "## How to silence it\n\n"
        f"- on one instruction: a comment right above it, `# caulk ignore={rule.id}`"
        + (f" (or `# hadolint ignore={rule.hadolint}`)" if rule.hadolint else "")
        + "\n"
        f"- in one file: `# caulk global ignore={rule.id}`\n"
        f"- everywhere: `.caulk.yaml` → `lint: {{ignore: [{rule.id}]}}`"
        + (f" (`.hadolint.yaml` → `ignored: [{rule.hadolint}]`)" if rule.hadolint else "")
        + "\n\nSee [the linter guide](../lint.md).\n"
    )


def write_pages(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in cat.ALL:
        path = folder / f"{rule.id}.md"
        path.write_text(page(rule), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_pages(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")):
        print(p)
