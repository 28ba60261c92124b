"""Parse and validate an Amazon ECR lifecycle policy, unchanged, with ECR's documented constraints.

Every problem is one `PolicyError` naming the rule (its position and rulePriority) and the field.
ECR features that cannot exist on a plain OCI registry (archive storage class, `transition`,
`sinceImagePulled`, `sinceImageTransitioned`) are rejected as unsupported rather than ignored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from caulk.errors import PolicyError
from caulk.policy.lifecycle.interface import CountType, Policy, Rule, TagStatus
from caulk.safeload import DocumentError, load_json

__all__ = ["MAX_COUNT_NUMBER", "MAX_POLICY_CHARS", "MAX_WILDCARDS", "parse_policy"]

MAX_POLICY_CHARS = 30720  # ECR PutLifecyclePolicy: lifecyclePolicyText maximum length
MAX_COUNT_NUMBER = 2**31 - 1  # ECR's countNumber is an Integer (32-bit signed) in its API model
MAX_WILDCARDS = 4  # ECR: at most four `*` per tagPatternList string

_RULE_KEYS = {"rulePriority", "description", "selection", "action"}
_SELECTION_KEYS = {
    "tagStatus",
    "tagPrefixList",
    "tagPatternList",
    "countType",
    "countUnit",
    "countNumber",
    "storageClass",
}
_UNSUPPORTED_COUNT = {
    "sinceImagePulled": "a plain registry records no pull times",
    "sinceImageTransitioned": "a plain registry has no archive storage class",
}


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise PolicyError(f"duplicate key {key!r} in one JSON object")
        seen[key] = value
    return seen


def parse_policy(text: str | bytes, *, where: str = "lifecycle policy") -> Policy:
    """The policy in `text` (ECR's JSON), or PolicyError(where=where) saying what is wrong."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if len(text) > MAX_POLICY_CHARS:
            raise PolicyError(
                f"policy is {len(text)} characters; ECR allows at most {MAX_POLICY_CHARS}"
            )
        try:
            doc = load_json(text, where=where, what="policy", object_pairs_hook=_reject_duplicates)
        except DocumentError as exc:  # also too deep, huge integers
            raise PolicyError(exc.message) from None
        return _policy(doc)
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8 text", where=where) from None
    except PolicyError as exc:
        raise PolicyError(exc.message, where=where) from None


def _policy(doc: object) -> Policy:
    if not isinstance(doc, dict):
        raise PolicyError(f"the policy must be a JSON object, not {_kind(doc)}")
    unknown = sorted(set(doc) - {"rules"})
    if unknown:
        raise PolicyError(f"unknown top-level field(s) {unknown} (only 'rules' is allowed)")
    if "rules" not in doc:
        raise PolicyError("missing required field 'rules'")
    raw_rules = doc["rules"]
    if not isinstance(raw_rules, list):
        raise PolicyError(f"'rules' must be an array, not {_kind(raw_rules)}")
    if not raw_rules:
        raise PolicyError("'rules' must contain at least one rule")
    rules = [_rule(i, raw) for i, raw in enumerate(raw_rules, start=1)]
    _check_together(rules)
    return Policy(tuple(sorted(rules, key=lambda r: r.priority)))


def _rule(index: int, raw: object) -> Rule:
    at = f"rules[{index}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{at}: a rule must be a JSON object, not {_kind(raw)}")
    priority = raw.get("rulePriority")
    if isinstance(priority, int) and not isinstance(priority, bool):
        at = f"rules[{index}] (rulePriority {priority})"
    _no_unknown(raw, _RULE_KEYS, at)
    for key in ("rulePriority", "selection", "action"):
        if key not in raw:
            raise PolicyError(f"{at}: missing required field {key!r}")
    priority = _integer(raw["rulePriority"], f"{at}: rulePriority")
    if priority < 1:
        raise PolicyError(f"{at}: rulePriority must be 1 or more, got {priority}")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise PolicyError(f"{at}: description must be a string, not {_kind(description)}")
    _action(raw["action"], at)
    return _selection(raw["selection"], at, priority, description)


def _action(action: object, at: str) -> None:
    if not isinstance(action, dict):
        raise PolicyError(f"{at}: action must be an object, not {_kind(action)}")
    _no_unknown(action, {"type", "targetStorageClass"}, f"{at}: action")
    if "type" not in action:
        raise PolicyError(f"{at}: action: missing required field 'type'")
    kind = action["type"]
    if kind == "transition":
        raise PolicyError(
            f"{at}: action.type 'transition' is not supported "
            "(a plain registry has no archive storage class); use 'expire'"
        )
    if kind != "expire":
        raise PolicyError(f"{at}: action.type must be 'expire', got {_show(kind)}")
    if "targetStorageClass" in action:
        raise PolicyError(
            f"{at}: action.targetStorageClass is only allowed with action.type 'transition'"
        )


def _selection(sel: object, at: str, priority: int, description: str) -> Rule:
    if not isinstance(sel, dict):
        raise PolicyError(f"{at}: selection must be an object, not {_kind(sel)}")
    _no_unknown(sel, _SELECTION_KEYS, f"{at}: selection")
    for key in ("tagStatus", "countType", "countNumber"):
        if key not in sel:
            raise PolicyError(f"{at}: selection: missing required field {key!r}")
    status_text = sel["tagStatus"]
    try:
        status = TagStatus(status_text)
    except (ValueError, TypeError):
        raise PolicyError(
            f"{at}: selection.tagStatus must be one of 'tagged', 'untagged', 'any', "
            f"got {_show(status_text)}"
        ) from None
    if "storageClass" in sel and sel["storageClass"] != "standard":
        raise PolicyError(
            f"{at}: selection.storageClass {_show(sel['storageClass'])} is not supported "
            "(a plain registry only has 'standard')"
        )
    prefixes = _tag_list(sel, "tagPrefixList", at)
    patterns = _tag_list(sel, "tagPatternList", at)
    if status is TagStatus.TAGGED:
        if prefixes is None and patterns is None:
            raise PolicyError(
                f"{at}: selection.tagStatus 'tagged' needs a tagPrefixList or a tagPatternList"
            )
        if prefixes is not None and patterns is not None:
            raise PolicyError(
                f"{at}: selection: give either tagPrefixList or tagPatternList, not both"
            )
    else:
        for name, value in (("tagPrefixList", prefixes), ("tagPatternList", patterns)):
            if value is not None:
                raise PolicyError(
                    f"{at}: selection.{name} is only allowed with tagStatus 'tagged' "
                    f"(this rule has {status.value!r})"
                )
    for pattern in patterns or ():
        if pattern.count("*") > MAX_WILDCARDS:
            raise PolicyError(
                f"{at}: selection.tagPatternList: {pattern!r} has {pattern.count('*')} "
                f"wildcards; at most {MAX_WILDCARDS} are allowed per pattern"
            )
    count_type = _count_type(sel["countType"], at)
    if count_type is CountType.SINCE_IMAGE_PUSHED:
        if "countUnit" not in sel:
            raise PolicyError(
                f"{at}: selection.countUnit is required with countType 'sinceImagePushed'"
            )
        if sel["countUnit"] != "days":
            raise PolicyError(
                f"{at}: selection.countUnit must be 'days', got {_show(sel['countUnit'])}"
            )
    elif "countUnit" in sel:
        raise PolicyError(
            f"{at}: selection.countUnit is only allowed with countType 'sinceImagePushed'"
        )
    number = _integer(sel["countNumber"], f"{at}: selection.countNumber")
    if not 1 <= number <= MAX_COUNT_NUMBER:
        raise PolicyError(
            f"{at}: selection.countNumber must be an integer from 1 to {MAX_COUNT_NUMBER}, "
            f"got {number}"
        )
    return Rule(
        priority=priority,
        description=description,
        tag_status=status,
        count_type=count_type,
        count_number=number,
        tag_prefixes=tuple(prefixes or ()),
        tag_patterns=tuple(patterns or ()),
    )


def _count_type(value: object, at: str) -> CountType:
    if isinstance(value, str) and value in _UNSUPPORTED_COUNT:
        raise PolicyError(
            f"{at}: selection.countType {value!r} is not supported ({_UNSUPPORTED_COUNT[value]})"
        )
    try:
        return CountType(value)
    except ValueError:
        raise PolicyError(
            f"{at}: selection.countType must be 'imageCountMoreThan' or 'sinceImagePushed', "
            f"got {_show(value)}"
        ) from None


def _tag_list(sel: dict[str, Any], name: str, at: str) -> list[str] | None:
    if name not in sel:
        return None
    value = sel[name]
    if not isinstance(value, list):
        raise PolicyError(f"{at}: selection.{name} must be an array of strings, not {_kind(value)}")
    if not value:
        raise PolicyError(f"{at}: selection.{name} must not be empty")
    for item in value:
        if not isinstance(item, str):
            raise PolicyError(
                f"{at}: selection.{name} must contain only strings, found {_kind(item)}"
            )
        if not item:
            raise PolicyError(f"{at}: selection.{name} must not contain an empty string")
    if len(set(value)) != len(value):
        raise PolicyError(f"{at}: selection.{name} lists the same value twice")
    return value


def _check_together(rules: Sequence[Rule]) -> None:
    by_priority: dict[int, int] = {}
    for rule in rules:
        if rule.priority in by_priority:
            raise PolicyError(
                f"rulePriority {rule.priority} is used by more than one rule; "
                "each rule needs a unique rulePriority"
            )
        by_priority[rule.priority] = 1
    untagged = [r.priority for r in rules if r.tag_status is TagStatus.UNTAGGED]
    if len(untagged) > 1:
        raise PolicyError(
            f"only one rule may select untagged images (rulePriority {untagged[0]} "
            f"and {untagged[1]} both do)"
        )
    any_rules = [r.priority for r in rules if r.tag_status is TagStatus.ANY]
    if len(any_rules) > 1:
        raise PolicyError(
            f"only one rule may use tagStatus 'any' (rulePriority {any_rules[0]} "
            f"and {any_rules[1]} both do)"
        )
    highest = max(r.priority for r in rules)
    if any_rules and any_rules[0] != highest:
        raise PolicyError(
            f"rulePriority {any_rules[0]}: a rule with tagStatus 'any' must have the highest "
            f"rulePriority (rulePriority {highest} is higher)"
        )
    seen: dict[tuple[str, frozenset[str]], int] = {}
    for rule in rules:
        if rule.tag_status is not TagStatus.TAGGED:
            continue
        key = (
            ("tagPrefixList", frozenset(rule.tag_prefixes))
            if rule.tag_prefixes
            else ("tagPatternList", frozenset(rule.tag_patterns))
        )
        if key in seen:
            raise PolicyError(
                f"rulePriority {seen[key]} and {rule.priority} select the same {key[0]} "
                f"{sorted(key[1])}; the rules must use a unique set of tag prefixes/patterns"
            )
        seen[key] = rule.priority


def _no_unknown(obj: dict[str, Any], allowed: set[str], at: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise PolicyError(f"{at}: unknown field(s) {unknown} (allowed: {sorted(allowed)})")


def _integer(value: object, at: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"{at} must be an integer, not {_kind(value)} {_show(value)}")
    return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _show(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
