"""The one rule model's crash handling: a check that raises, of either kind, becomes one unknown
naming its rules; the run goes on and the other checks' findings are all there."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from caulk.check.dockerfile import LintConfig, engine
from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.context import Hit, LintContext
from caulk.check.image import run_checks
from caulk.check.image.interface import ImageContext
from caulk.check.image.setuid import SetuidCheck
from caulk.check.image.tools import ToolsCheck
from caulk.check.rules import FunctionCheck, Rule
from caulk.fs.interface import EntryType
from caulk.fs.view import view_from_layers
from caulk.model import Finding, Location, Unknown
from tests.unit.check.image.helpers import entry, fake_image, layer


class _BrokenTools(ToolsCheck):
    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        yield from super().run(ctx)  # findings before the crash are not half-reported
        raise RuntimeError("boom")


def test_an_image_check_that_raises_is_one_unknown_naming_its_rules() -> None:
    base = layer(0, [entry("/bin", EntryType.DIR), entry("/bin/sh", EntryType.FILE, 0o4755)])
    ctx = ImageContext(fake_image(), view_from_layers([base]))
    run = run_checks(ctx, [_BrokenTools(), SetuidCheck()])
    assert [(f.rule_id, f.location.path) for f in run.findings] == [("CK-IMG-001", "/bin/sh")]
    assert len(run.unknowns) == 1
    unknown = run.unknowns[0]
    assert unknown.location == Location()
    ids = ", ".join(r.id for r in ToolsCheck().rules)
    assert unknown.reason == f"rule {ids} (_BrokenTools) failed: boom"
    assert "CK-IMG-002" in unknown.reason


def _broken(ctx: LintContext) -> Iterable[Hit]:
    raise ValueError("bad state")


def test_a_dockerfile_check_that_raises_is_one_unknown_naming_its_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = engine.checks()
    rules: tuple[Rule, ...] = (cat.SUDO,)
    broken = FunctionCheck(rules, _broken)
    monkeypatch.setattr(engine, "checks", lambda: [broken, *real])
    result = engine.lint(
        b"FROM debian:12\nRUN sudo apt-get update\n", path="Df", config=LintConfig()
    )
    assert "CK-DF-023" in {f.rule_id for f in result.findings}  # the real sudo check still ran
    reason = "rule CK-DF-023 (_broken) failed: bad state"
    assert result.unknowns == (Unknown(Location(path="Df"), reason),)
