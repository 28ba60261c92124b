"""Registry lifecycle policies: Amazon ECR's policy JSON and evaluation semantics, as a pure
function of (images, policy, now)."""

from caulk.policy.lifecycle.evaluate import (
    evaluate,
    follow_artifacts,
    make_plan,
    pattern_matches,
    selects,
)
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
from caulk.policy.lifecycle.validate import parse_policy

__all__ = [
    "Action",
    "ArtifactFacts",
    "CountType",
    "Decision",
    "ImageFacts",
    "Plan",
    "Policy",
    "Rule",
    "TagStatus",
    "evaluate",
    "follow_artifacts",
    "make_plan",
    "parse_policy",
    "pattern_matches",
    "selects",
]
