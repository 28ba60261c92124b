"""Evaluation semantics beyond the documented examples: matching, clocks, ties, artifacts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from caulk.policy.lifecycle import (
    Action,
    ArtifactFacts,
    ImageFacts,
    make_plan,
    parse_policy,
    pattern_matches,
)

NOW = dt.datetime(2024, 6, 15, 12, 0, tzinfo=dt.UTC)


def _img(n: int, tags: tuple[str, ...], days: float | None) -> ImageFacts:
    pushed = None if days is None else NOW - dt.timedelta(days=days)
    return ImageFacts(f"sha256:{n:064x}", tags, pushed, estimated=days is None)


def _policy(*selections: dict[str, object]) -> str:
    return json.dumps(
        {
            "rules": [
                {"rulePriority": i, "selection": s, "action": {"type": "expire"}}
                for i, s in enumerate(selections, start=1)
            ]
        }
    )


@pytest.mark.parametrize(
    ("pattern", "tag", "expected"),
    [
        ("prod*", "prod", True),
        ("prod*", "prod-1", True),
        ("prod*", "xprod", False),
        ("prod", "prod", True),
        ("prod", "prod-1", False),
        ("*prod", "my-prod", True),
        ("*prod", "prod-1", False),
        ("v*.*.*", "v1.2.3", True),
        ("v*.*.*", "v1.2", False),
        ("*-rc*", "1.0-rc2", True),
        ("*-rc*", "1.0-rc", True),
        ("a*a", "a", False),
        ("a*a", "aa", True),
        ("*", "", True),
        ("*", "anything", True),
        ("Prod*", "prod", False),
        ("test*1*2*3*", "test-1-2-3", True),
        ("ab*ab*ab", "ababab", True),
        ("ab*ab*ab", "abab", False),
        ("x.y*", "xzy1", False),  # no regex metacharacters
    ],
)
def test_pattern_matches(pattern: str, tag: str, expected: bool) -> None:
    assert pattern_matches(pattern, tag) is expected


def test_age_is_strictly_more_than_n_days() -> None:
    policy = parse_policy(
        _policy(
            {
                "tagStatus": "any",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 2,
            }
        )
    )
    images = [_img(1, ("a",), 2), _img(2, ("b",), 2.0001), _img(3, ("c",), None)]
    plan = make_plan(images, [], policy, NOW)
    assert [d.digest for d in plan.expired] == [images[1].digest]
    unknown = next(d for d in plan.decisions if d.digest == images[2].digest)
    assert unknown.action is Action.KEEP
    assert unknown.estimated
    assert "unknown" in unknown.reason


def test_unknown_push_time_counts_as_newest_and_ties_break_by_digest() -> None:
    policy = parse_policy(
        _policy({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 2})
    )
    images = [_img(3, ("x",), 5), _img(2, ("y",), 5), _img(1, ("z",), None), _img(4, (), 1)]
    plan = make_plan(images, [], policy, NOW)
    # newest first: unknown (1), then 4 (1 day), then the 5-day tie: digest 3 > 2
    assert [d.digest for d in plan.expired] == [images[1].digest, images[0].digest]
    assert plan.expired[0].reason.startswith("rule 1: number 4 by push time")


def test_untagged_rule_ignores_tagged_images_and_no_rule_keeps() -> None:
    policy = parse_policy(
        _policy({"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1})
    )
    images = [_img(1, (), 9), _img(2, (), 8), _img(3, ("v1",), 20)]
    plan = make_plan(images, [], policy, NOW)
    assert [d.digest for d in plan.expired] == [images[0].digest]
    tagged = next(d for d in plan.decisions if d.tags == ("v1",))
    assert tagged.action is Action.KEEP
    assert tagged.rule_priority is None
    assert tagged.reason == "no rule selects it"


def test_artifacts_follow_their_subject_and_never_count() -> None:
    policy = parse_policy(
        _policy({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1})
    )
    old, new = _img(1, ("v1",), 9), _img(2, ("v2",), 1)
    hexes = [d.digest.split(":")[1] for d in (old, new)]
    artifacts = [
        ArtifactFacts("sha256:" + "a" * 64, (f"sha256-{hexes[0]}.sig",), old.digest, "signature"),
        ArtifactFacts("sha256:" + "b" * 64, (f"sha256-{hexes[0]}.att",), old.digest, "attestation"),
        ArtifactFacts("sha256:" + "c" * 64, (f"sha256-{hexes[1]}.sig",), new.digest, "signature"),
        ArtifactFacts(
            "sha256:" + "d" * 64,
            ("sha256-" + "f" * 64 + ".sig",),
            "sha256:" + "f" * 64,
            "signature",
        ),
    ]
    plan = make_plan([old, new], artifacts, policy, NOW)
    expired = {d.digest: d for d in plan.expired}
    assert set(expired) == {old.digest, "sha256:" + "a" * 64, "sha256:" + "b" * 64}
    assert expired["sha256:" + "a" * 64].rule_priority == 1
    assert expired["sha256:" + "a" * 64].kind == "signature"
    kept = {d.digest: d for d in plan.kept}
    assert "kept image" in kept["sha256:" + "c" * 64].reason
    assert "not an image here" in kept["sha256:" + "d" * 64].reason
    # the new image is the only one counted: artifacts are not images
    assert kept[new.digest].rule_priority == 1


def test_naive_clock_is_refused() -> None:
    policy = parse_policy(
        _policy({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1})
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        make_plan([], [], policy, dt.datetime(2024, 1, 1))


@pytest.mark.parametrize("count", [999_999_999, 10**9, 2**31 - 1])
def test_huge_day_counts_evaluate_without_overflow(count: int) -> None:
    """Issue 9 item 21: `count * 1 day` overflowed timedelta (max 999,999,999 days) -> exit 3."""
    policy = parse_policy(
        _policy(
            {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": count,
            },
            {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": count},
        )
    )
    images = [_img(1, ("a",), 3650), _img(2, (), 3650), _img(3, ("b",), None)]
    plan = make_plan(images, [], policy, NOW)
    assert plan.expired == ()
    assert all(d.action is Action.KEEP for d in plan.decisions)
