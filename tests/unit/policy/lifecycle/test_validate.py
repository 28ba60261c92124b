"""Invalid policies give one precise PolicyError naming the rule and the field (exit code 2)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from caulk.errors import EXIT_BAD_INPUT, PolicyError
from caulk.policy.lifecycle import CountType, TagStatus, parse_policy


def _rule(priority: Any = 1, **selection: Any) -> dict[str, Any]:
    sel: dict[str, Any] = {
        "tagStatus": "tagged",
        "tagPrefixList": ["prod"],
        "countType": "imageCountMoreThan",
        "countNumber": 1,
    }
    sel.update(selection)
    return {
        "rulePriority": priority,
        "description": "d",
        "selection": {k: v for k, v in sel.items() if v is not _DROP},
        "action": {"type": "expire"},
    }


_DROP = object()


def _policy(*rules: dict[str, Any]) -> str:
    return json.dumps({"rules": list(rules)})


def test_valid_policy_parses() -> None:
    policy = parse_policy(
        _policy(
            _rule(5, tagPrefixList=_DROP, tagPatternList=["v*.*", "*-rc*"]),
            _rule(
                2,
                tagStatus="untagged",
                tagPrefixList=_DROP,
                countType="sinceImagePushed",
                countUnit="days",
                countNumber=7,
            ),
            _rule(9, tagStatus="any", tagPrefixList=_DROP, countNumber=50),
        )
    )
    assert [r.priority for r in policy.rules] == [2, 5, 9]
    assert policy.rules[0].count_type is CountType.SINCE_IMAGE_PUSHED
    assert policy.rules[1].tag_patterns == ("v*.*", "*-rc*")
    assert policy.rules[2].tag_status is TagStatus.ANY


def test_wildcard_limit_is_four_per_pattern() -> None:
    # ECR's own examples: ["*test*1*2*3", "test*1*2*3*"] is valid, ["test*1*2*3*4*5*6"] is not
    parse_policy(_policy(_rule(tagPrefixList=_DROP, tagPatternList=["*test*1*2*3", "test*1*2*3*"])))
    with pytest.raises(PolicyError, match=r"6 wildcards; at most 4"):
        parse_policy(_policy(_rule(tagPrefixList=_DROP, tagPatternList=["test*1*2*3*4*5*6"])))


CASES: list[tuple[str, str]] = [
    ("[]", r"must be a JSON object, not an array"),
    ("{", r"not valid JSON: .* line 1"),
    ('{"rules": []}', r"at least one rule"),
    ("{}", r"missing required field 'rules'"),
    ('{"rules": {}}', r"'rules' must be an array, not an object"),
    (json.dumps({"rules": [_rule()], "x": 1}), r"unknown top-level field\(s\) \['x'\]"),
    ('{"rules": [1]}', r"rules\[1\]: a rule must be a JSON object, not a number"),
    (_policy(_rule(1), _rule(1, tagPrefixList=["beta"])), r"rulePriority 1 is used by more than"),
    (
        _policy({**_rule(), "extra": True}),
        r"rules\[1\] \(rulePriority 1\): unknown field\(s\) \['extra'\]",
    ),
    (_policy(_rule(foo=1)), r"rulePriority 1\): selection: unknown field\(s\) \['foo'\]"),
    (_policy(_rule(priority="1")), r"rulePriority must be an integer, not a string \"1\""),
    (_policy(_rule(priority=True)), r"rulePriority must be an integer, not a boolean"),
    (_policy(_rule(priority=0)), r"rulePriority must be 1 or more, got 0"),
    (_policy(_rule(countNumber=0)), r"countNumber must be an integer from 1 to 2147483647, got 0"),
    # issue 9 items 19 and 21: ECR's 32-bit bound; deep or huge-integer JSON is bad input
    (_policy(_rule(countNumber=2**31)), r"countNumber must be an integer from 1 to 2147483647"),
    ('{"rules": ' + "[" * 5000 + "]" * 5000 + "}", r"nested more than 128 levels"),
    ('{"rules": [{"rulePriority": ' + "9" * 5000 + "}]}", r"more than 20 digits"),
    (_policy(_rule(countNumber=1.5)), r"countNumber must be an integer, not a number 1.5"),
    (_policy(_rule(countNumber=_DROP)), r"selection: missing required field 'countNumber'"),
    (_policy(_rule(tagStatus="TAGGED")), r"tagStatus must be one of 'tagged', 'untagged', 'any'"),
    (_policy(_rule(tagPrefixList=_DROP)), r"'tagged' needs a tagPrefixList or a tagPatternList"),
    (_policy(_rule(tagPatternList=["p*"])), r"either tagPrefixList or tagPatternList, not both"),
    (
        _policy(_rule(tagStatus="untagged")),
        r"tagPrefixList is only allowed with tagStatus 'tagged' \(this rule has 'untagged'\)",
    ),
    (
        _policy(_rule(tagStatus="any", tagPrefixList=_DROP, tagPatternList=["x*"])),
        r"tagPatternList is only allowed with tagStatus 'tagged'",
    ),
    (_policy(_rule(tagPrefixList=[])), r"tagPrefixList must not be empty"),
    (
        _policy(_rule(tagPrefixList="prod")),
        r"tagPrefixList must be an array of strings, not a string",
    ),
    (_policy(_rule(tagPrefixList=[1])), r"must contain only strings, found a number"),
    (_policy(_rule(tagPrefixList=[""])), r"must not contain an empty string"),
    (
        _policy(_rule(countUnit="days")),
        r"countUnit is only allowed with countType 'sinceImagePushed'",
    ),
    (
        _policy(_rule(countType="sinceImagePushed")),
        r"countUnit is required with countType 'sinceImagePushed'",
    ),
    (
        _policy(_rule(countType="sinceImagePushed", countUnit="hours")),
        r"countUnit must be 'days', got \"hours\"",
    ),
    (_policy(_rule(countType="imageCountLessThan")), r"countType must be 'imageCountMoreThan' or"),
    (_policy(_rule(countType="sinceImagePulled")), r"'sinceImagePulled' is not supported"),
    (_policy(_rule(storageClass="archive")), r"storageClass \"archive\" is not supported"),
    (_policy({**_rule(), "action": {"type": "delete"}}), r"action.type must be 'expire'"),
    (_policy({**_rule(), "action": {"type": "transition"}}), r"'transition' is not supported"),
    (_policy({**_rule(), "action": {}}), r"action: missing required field 'type'"),
    (_policy({**_rule(), "action": "expire"}), r"action must be an object, not a string"),
    (_policy({**_rule(), "description": 3}), r"description must be a string, not a number"),
    (
        _policy(
            _rule(1, tagStatus="untagged", tagPrefixList=_DROP),
            _rule(2, tagStatus="untagged", tagPrefixList=_DROP),
        ),
        r"only one rule may select untagged images \(rulePriority 1 and 2 both do\)",
    ),
    (
        _policy(_rule(1, tagStatus="any", tagPrefixList=_DROP), _rule(2)),
        r"rulePriority 1: a rule with tagStatus 'any' must have the highest rulePriority",
    ),
    (
        _policy(
            _rule(1, tagStatus="any", tagPrefixList=_DROP),
            _rule(2, tagStatus="any", tagPrefixList=_DROP),
        ),
        r"only one rule may use tagStatus 'any'",
    ),
    (
        _policy(_rule(1, tagPrefixList=["a", "b"]), _rule(2, tagPrefixList=["b", "a"])),
        r"rulePriority 1 and 2 select the same tagPrefixList \['a', 'b'\]",
    ),
    ('{"rules": [], "rules": []}', r"duplicate key 'rules'"),
    (_policy(_rule(tagPrefixList=["a", "a"])), r"lists the same value twice"),
    (
        '{"rules": [' + ",".join([json.dumps(_rule(i)) for i in range(1, 200)]) + "]}",
        r"at most 30720",
    ),
]


@pytest.mark.parametrize(("text", "message"), CASES)
def test_invalid_policy(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        parse_policy(text, where="p.json")
    error = info.value
    assert error.where == "p.json"
    assert error.exit_code == EXIT_BAD_INPUT
    assert "\n" not in str(error)
    assert str(error).startswith("p.json: ")


def test_not_utf8() -> None:
    with pytest.raises(PolicyError, match="not UTF-8"):
        parse_policy(b"\xff\xfe{}", where="p.json")
