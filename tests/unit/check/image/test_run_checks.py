"""The package API: rule registry entries, analyzers_for, run_checks ordering and disabling."""

from __future__ import annotations

from pathlib import Path

from caulk.check.image import ALL_CHECKS, CheckRun, analyzers_for, run_checks
from caulk.check.image.interface import CheckOptions, ImageContext
from caulk.check.image.setuid import SetuidCheck
from caulk.check.image.tools import ToolsCheck
from caulk.check.image.user import UserCheck
from caulk.check.rules import all_rules
from caulk.fs.interface import EntryType
from caulk.fs.view import view_from_layers

from .helpers import entry, fake_image, layer, scan_view

DOCS = Path(__file__).parents[4] / "docs" / "rules"


def test_rules_are_registered_documented_and_unique() -> None:
    ids = [rule.id for check in ALL_CHECKS for rule in check.rules]
    assert len(ids) == len(set(ids))
    assert set(ids) <= {r.id for r in all_rules()}
    assert sorted(ids) == [f"CK-IMG-{n:03d}" for n in range(1, len(ids) + 1)]
    for check in ALL_CHECKS:
        for rule in check.rules:
            assert rule.title and rule.remediation
            page = (DOCS / f"{rule.id}.md").read_text()
            assert page.startswith(f"# {rule.id}: {rule.title}\n"), rule.id
            assert f"Severity: **{rule.severity.name}**" in page, rule.id
            assert rule.id in (DOCS / "README.md").read_text()


def test_analyzers_for_dedupes_by_name() -> None:
    names = [a.name for a in analyzers_for([*ALL_CHECKS, *ALL_CHECKS])]
    assert names == ["passwd", "secrets", "shadow", "group"]


def test_sorted_and_disabled() -> None:
    base = layer(
        0,
        [
            entry("/bin", EntryType.DIR),
            entry("/bin/sh", EntryType.FILE, 0o4755),
            entry("/bin/bash", EntryType.FILE, 0o755),
            entry("/bin/apk", EntryType.FILE, 0o2755),
        ],
    )
    checks = [UserCheck(), ToolsCheck(), SetuidCheck()]
    image = fake_image()  # User "app" but no /etc/passwd -> CK-IMG-006
    found = scan_view([base], checks, image=image)
    assert [(f.rule_id, f.location.path) for f in found] == [
        ("CK-IMG-001", "/bin/apk"),
        ("CK-IMG-001", "/bin/sh"),
        ("CK-IMG-002", "/bin/bash"),
        ("CK-IMG-002", "/bin/sh"),
        ("CK-IMG-004", "/bin/apk"),
        ("CK-IMG-006", None),
    ]
    off = CheckOptions(disabled_rules=frozenset({"CK-IMG-002", "CK-IMG-006", "CK-IMG-005"}))
    found = scan_view([base], checks, image=image, options=off)
    assert [f.rule_id for f in found] == ["CK-IMG-001", "CK-IMG-001", "CK-IMG-004"]


def test_a_check_whose_rules_are_all_disabled_does_not_run() -> None:
    class Exploding(SetuidCheck):
        def run(self, ctx: ImageContext):  # type: ignore[no-untyped-def]
            raise AssertionError("must not run")

    off = CheckOptions(disabled_rules=frozenset({"CK-IMG-001"}))
    assert scan_view([layer(0, [])], [Exploding()], options=off) == []
    ctx = ImageContext(fake_image(), view_from_layers([]))
    assert run_checks(ctx, []) == CheckRun(())
