"""Write docs/rules/CK-DF-*.md from the rule catalog: `python -m caulk.check.dockerfile.docgen
docs/rules`. tests/unit/check/dockerfile/test_docs.py fails when a page is missing or stale."""

from __future__ import annotations

import sys
from pathlib import Path

from caulk.check.dockerfile import catalog as cat
from caulk.check.registry import Rule

__all__ = ["page", "write_pages"]


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
        f"## How to silence it\n\n"
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
