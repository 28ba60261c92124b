"""ECR's six documented lifecycle examples give exactly ECR's documented results."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from caulk.policy.lifecycle import Action, ImageFacts, make_plan, parse_policy

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "lifecycle" / "ecr"
EXAMPLES = sorted(FIXTURES.glob("[0-9]-*.json"))


def _digest(name: str) -> str:
    return "sha256:" + name.lower().encode().hex().ljust(64, "0")


def _images(example: dict[str, Any]) -> list[ImageFacts]:
    now = dt.datetime.fromisoformat(example["now"])
    return [
        ImageFacts(
            digest=_digest(image["name"]),
            tags=tuple(image["tags"]),
            pushed_at=now
            - dt.timedelta(days=image["pushedDaysAgo"])
            + dt.timedelta(seconds=position),
        )
        for position, image in enumerate(example["images"])
    ]


def _as_patterns(policy: dict[str, Any]) -> dict[str, Any]:
    """The same policy written the way the current docs do: tagPrefixList [p] -> tagPatternList
    [p*]."""
    out = copy.deepcopy(policy)
    for rule in out["rules"]:
        prefixes = rule["selection"].pop("tagPrefixList", None)
        if prefixes is not None:
            rule["selection"]["tagPatternList"] = [p + "*" for p in prefixes]
    return out


def test_there_are_six_documented_examples() -> None:
    assert len(EXAMPLES) == 6


@pytest.mark.parametrize("variant", ["tagPrefixList", "tagPatternList"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_documented_outcome(path: Path, variant: str) -> None:
    example = json.loads(path.read_text())
    policy_doc = (
        example["policy"] if variant == "tagPrefixList" else _as_patterns(example["policy"])
    )
    policy = parse_policy(json.dumps(policy_doc), where=path.name)
    now = dt.datetime.fromisoformat(example["now"])
    names = {_digest(i["name"]): i["name"] for i in example["images"]}

    plan = make_plan(_images(example), [], policy, now)

    expired = {names[d.digest]: d.rule_priority for d in plan.expired}
    assert expired == example["expected"]["expired"]
    assert len(plan.decisions) == len(example["images"])
    assert all(d.reason for d in plan.decisions)


def test_examples_are_unchanged_docs_text() -> None:
    """The fixtures keep the docs' policy JSON as is (no caulk-only fields)."""
    for path in EXAMPLES:
        policy = json.loads(path.read_text())["policy"]
        for rule in policy["rules"]:
            assert set(rule) == {"rulePriority", "description", "selection", "action"}
            assert rule["action"] == {"type": "expire"}


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("syntax-*.json")), ids=lambda p: p.stem)
def test_syntax_examples_parse(path: Path) -> None:
    policy = parse_policy(path.read_bytes(), where=path.name)
    assert len(policy.rules) == 1


def test_multiple_rules_a_reasons() -> None:
    """Image B is selected by rule 1 (kept among its newest 1), so rule 2 cannot expire it."""
    example = json.loads((FIXTURES / "1-multiple-rules-a.json").read_text())
    plan = make_plan(
        _images(example),
        [],
        parse_policy(json.dumps(example["policy"])),
        dt.datetime.fromisoformat(example["now"]),
    )
    by_name = {d.tags[0]: d for d in plan.decisions}
    b = by_name["beta-2"]
    assert b.action is Action.KEEP
    assert b.rule_priority == 1
    assert "rule 1" in b.reason
    assert by_name["beta-3"].action is Action.KEEP
    assert by_name["beta-3"].rule_priority == 2
