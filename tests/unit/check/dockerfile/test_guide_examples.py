"""The guide's own Dockerfile examples (tests/fixtures/dockerfiles/guide/): what each must and must
not trigger among the guide rules, and the precise reason given when the de-fang does not count."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.check.dockerfile.helpers import run_lint

GUIDE = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "dockerfiles" / "guide"
WATCHED = {"CK-DF-030", "CK-DF-032", "CK-DF-041", "CK-DF-044", "CK-DF-047"}

EXPECTED = {
    "upgrade.Dockerfile": {"CK-DF-032", "CK-DF-047"},  # not CK-DF-041
    "upgrade-yes.Dockerfile": {"CK-DF-032"},
    "defang.Dockerfile": set(),
    "list-setuid.Dockerfile": {"CK-DF-032"},
    "chmod-one.Dockerfile": {"CK-DF-032"},
    "defang-then-sudo.Dockerfile": {"CK-DF-032"},
    "multistage.Dockerfile": set(),
    "purge-other.Dockerfile": {"CK-DF-030", "CK-DF-032"},
    "purge-toolchain.Dockerfile": {"CK-DF-032"},
}


def _messages(name: str) -> dict[str, str]:
    result = run_lint((GUIDE / name).read_bytes())
    return {f.rule_id: f.message for f in result.findings if f.rule_id in WATCHED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_guide_example(name: str) -> None:
    assert set(_messages(name)) == EXPECTED[name]


def test_every_guide_fixture_has_an_expectation() -> None:
    assert {p.name for p in GUIDE.glob("*.Dockerfile")} == set(EXPECTED)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("list-setuid.Dockerfile", "runs `ls -ld {}` on what it finds: the bits stay"),
        ("chmod-one.Dockerfile", "`chmod u-s /usr/bin/passwd` changes named files only"),
        ("defang-then-sudo.Dockerfile", "a package install at line 3 comes after the de-fang"),
    ],
)
def test_defang_message_says_why_and_claims_nothing_about_the_base(name: str, reason: str) -> None:
    message = _messages(name)["CK-DF-032"]
    assert reason in message
    assert "debian" not in message and "keeps" not in message


def test_purge_of_other_packages_names_the_toolchain_left() -> None:
    assert "gcc (+1 more not removed)" in _messages("purge-other.Dockerfile")["CK-DF-030"]
