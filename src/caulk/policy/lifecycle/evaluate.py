"""ECR's lifecycle evaluation, as documented ("Lifecycle policy evaluation rules"):

- All rules are evaluated at the same time over every image; then applied by priority.
- Each rule *selects* the images meeting its tag requirements and *marks* some of them:
  `imageCountMoreThan N` marks all but the N most recently pushed; `sinceImagePushed N days`
  marks those pushed more than N days before `now`.
- An image is decided by the first rule (lowest rulePriority) that selects it: expired if that
  rule marked it, kept otherwise. So an image matched by a higher-priority rule is never expired by
  a lower one, and an image is expired by exactly one or zero rules.
- Ordering is by push time, older first; an unknown push time counts as newest (never expired by
  age), ties are broken by digest so results are deterministic.

Artifacts (cosign signatures, attestations, SBOMs, referrers indexes) follow their subject:
expired with it, kept with it, and kept when the subject is not in the repository.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from caulk.policy.lifecycle.interface import (
    Action,
    ArtifactFacts,
    CountType,
    Decision,
    ImageFacts,
    Plan,
    Policy,
    Rule,
    TagStatus,
)

__all__ = ["evaluate", "follow_artifacts", "make_plan", "pattern_matches", "selects"]

_DAY = dt.timedelta(days=1)
_FAR_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)


def pattern_matches(pattern: str, tag: str) -> bool:
    """ECR tagPatternList matching: the whole tag matches; `*` matches any run of characters
    (also none); every other character matches itself, case-sensitively."""
    parts = pattern.split("*")
    if len(parts) == 1:
        return tag == pattern
    first, *middle, last = parts
    if not tag.startswith(first) or len(tag) < len(first) + len(last):
        return False
    position = len(first)
    end = len(tag) - len(last)
    for part in middle:
        found = tag.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return tag.endswith(last) and position <= end


def selects(rule: Rule, tags: Sequence[str]) -> bool:
    """Whether the image's tag set meets the rule's tag requirements."""
    if rule.tag_status is TagStatus.ANY:
        return True
    if rule.tag_status is TagStatus.UNTAGGED:
        return not tags
    if not tags:
        return False
    if rule.tag_prefixes:
        return all(any(t.startswith(p) for t in tags) for p in rule.tag_prefixes)
    return all(any(pattern_matches(p, t) for t in tags) for p in rule.tag_patterns)


def _sort_key(image: ImageFacts) -> tuple[dt.datetime, str]:
    return (image.pushed_at or _FAR_FUTURE, image.digest)


def _age(image: ImageFacts, now: dt.datetime) -> dt.timedelta:
    return now - image.pushed_at if image.pushed_at is not None else dt.timedelta(0)


def _days(delta: dt.timedelta) -> str:
    days = delta / _DAY
    return f"{days:.1f} days" if days < 10 else f"{days:.0f} days"


def _marks(rule: Rule, selected: Sequence[ImageFacts], now: dt.datetime) -> dict[str, str]:
    """digest -> reason for every selected image the rule marks for expiry."""
    if rule.count_type is CountType.IMAGE_COUNT_MORE_THAN:
        newest_first = sorted(selected, key=_sort_key, reverse=True)
        total = len(newest_first)
        return {
            image.digest: f"{rule.label()}: number {rank} by push time (newest first) of "
            f"{total} selected images; keeps {rule.count_number}"
            for rank, image in enumerate(newest_first, start=1)
            if rank > rule.count_number
        }
    return {  # in days, not `count_number * _DAY`: a timedelta overflows past 999,999,999 days
        image.digest: f"{rule.label()}: pushed {_days(_age(image, now))} ago, "
        f"more than {rule.count_number} day(s)"
        for image in selected
        if _age(image, now) / _DAY > rule.count_number
    }


def _keep_reason(rule: Rule, image: ImageFacts, now: dt.datetime) -> str:
    if rule.count_type is CountType.IMAGE_COUNT_MORE_THAN:
        return f"{rule.label()}: among the {rule.count_number} most recently pushed it selects"
    if image.pushed_at is None:
        return f"{rule.label()}: push time unknown, so never expired by age"
    return (
        f"{rule.label()}: pushed {_days(_age(image, now))} ago, within {rule.count_number} day(s)"
    )


def evaluate(images: Iterable[ImageFacts], policy: Policy, now: dt.datetime) -> list[Decision]:
    """One decision per image, oldest push first."""
    ordered = sorted(images, key=_sort_key)
    marks = {
        rule.priority: _marks(rule, [i for i in ordered if selects(rule, i.tags)], now)
        for rule in policy.rules
    }
    decisions = []
    for image in ordered:
        rule = next((r for r in policy.rules if selects(r, image.tags)), None)
        if rule is None:
            action, priority, reason = Action.KEEP, None, "no rule selects it"
        elif image.digest in marks[rule.priority]:
            action, priority, reason = (
                Action.EXPIRE,
                rule.priority,
                marks[rule.priority][image.digest],
            )
        else:
            action, priority, reason = Action.KEEP, rule.priority, _keep_reason(rule, image, now)
        decisions.append(
            Decision(
                digest=image.digest,
                tags=image.tags,
                pushed_at=image.pushed_at,
                estimated=image.estimated,
                action=action,
                rule_priority=priority,
                reason=reason,
            )
        )
    return decisions


def follow_artifacts(
    decisions: Sequence[Decision], artifacts: Iterable[ArtifactFacts]
) -> list[Decision]:
    """Artifacts share their subject's fate; an artifact whose subject is not an image of this
    repository (already orphaned, or about an index child) is kept and said so."""
    by_digest = {d.digest: d for d in decisions}
    out = []
    for artifact in sorted(artifacts, key=lambda a: (a.subject, a.kind, a.digest)):
        subject = by_digest.get(artifact.subject)
        if not artifact.subject:
            action, priority = Action.KEEP, None
            reason = f"untagged {artifact.kind} manifest whose subject is unknown"
        elif subject is None:
            action, priority = Action.KEEP, None
            reason = f"{artifact.kind} of {artifact.subject[:19]}…, which is not an image here"
        elif subject.action is Action.EXPIRE:
            action, priority = Action.EXPIRE, subject.rule_priority
            reason = f"{artifact.kind} of an expired image ({artifact.subject[:19]}…)"
        else:
            action, priority = Action.KEEP, subject.rule_priority
            reason = f"{artifact.kind} of a kept image ({artifact.subject[:19]}…)"
        out.append(
            Decision(
                digest=artifact.digest,
                tags=artifact.tags,
                pushed_at=artifact.pushed_at,
                estimated=artifact.estimated,
                action=action,
                rule_priority=priority,
                reason=reason,
                kind=artifact.kind,
                subject=artifact.subject,
            )
        )
    return out


def make_plan(
    images: Iterable[ImageFacts],
    artifacts: Iterable[ArtifactFacts],
    policy: Policy,
    now: dt.datetime,
) -> Plan:
    """The whole preview: images by the policy, then artifacts by their subjects."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    decisions = evaluate(images, policy, now)
    return Plan(now, tuple(decisions) + tuple(follow_artifacts(decisions, artifacts)))
