"""Every Dockerfile rule has an up-to-date docs page (regenerate with
`python -m caulk.check.dockerfile.docgen docs/rules`)."""

from __future__ import annotations

from pathlib import Path

from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.docgen import page

DOCS = Path(__file__).resolve().parents[4] / "docs"


def test_every_rule_has_a_current_page() -> None:
    for rule in cat.ALL:
        path = DOCS / "rules" / f"{rule.id}.md"
        assert path.is_file(), path
        assert path.read_text(encoding="utf-8") == page(rule), f"{path} is stale"
        assert rule.docs_url.endswith(f"docs/rules/{rule.id}.md")


def test_no_page_without_a_rule() -> None:
    ids = {r.id for r in cat.ALL}
    pages = {p.stem for p in (DOCS / "rules").glob("CK-DF-*.md")}
    assert pages == ids


def test_lint_guide_lists_every_rule() -> None:
    text = (DOCS / "lint.md").read_text(encoding="utf-8")
    missing = [r.id for r in cat.ALL if r.id not in text]
    assert not missing, missing
