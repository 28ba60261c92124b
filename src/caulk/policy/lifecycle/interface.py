"""Registry lifecycle policies (Amazon ECR's format and semantics): the values the pure evaluator
reads and writes.

    policy = parse_policy(text, where="policy.json")       # PolicyError on anything ECR rejects
    plan = make_plan(images, artifacts, policy, now)         # pure: no network, no clock

An `ImageFacts` is what ECR calls an image: one manifest digest with *all* the tags pointing at
it in the repository. `ArtifactFacts` are cosign signatures/attestations/SBOMs (`sha256-<hex>.sig`
…) and referrers-fallback indexes (`sha256-<hex>`): they are never counted as images and follow
their subject's fate.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

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
]


class TagStatus(enum.Enum):
    TAGGED = "tagged"
    UNTAGGED = "untagged"
    ANY = "any"


class CountType(enum.Enum):
    IMAGE_COUNT_MORE_THAN = "imageCountMoreThan"
    SINCE_IMAGE_PUSHED = "sinceImagePushed"


class Action(enum.Enum):
    EXPIRE = "expire"
    KEEP = "keep"


@dataclass(frozen=True, slots=True)
class Rule:
    priority: int
    description: str
    tag_status: TagStatus
    count_type: CountType
    count_number: int
    tag_prefixes: tuple[str, ...] = ()  # all must match some tag (ECR tagPrefixList)
    tag_patterns: tuple[str, ...] = ()  # all must match some tag (ECR tagPatternList, `*`)

    def label(self) -> str:
        return f"rule {self.priority}"


@dataclass(frozen=True, slots=True)
class Policy:
    rules: tuple[Rule, ...]  # sorted by priority, lowest number (applied first) first


@dataclass(frozen=True, slots=True)
class ImageFacts:
    digest: str
    tags: tuple[str, ...]
    pushed_at: dt.datetime | None  # None: unknown (never expired by age, counts as newest)
    estimated: bool = False  # pushed_at comes from the image config `created`, not a push record
    media_type: str = ""


@dataclass(frozen=True, slots=True)
class ArtifactFacts:
    digest: str
    tags: tuple[str, ...]
    subject: str  # the digest the artifact is about
    kind: str  # "signature" | "attestation" | "sbom" | "referrers"
    pushed_at: dt.datetime | None = None
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    digest: str
    tags: tuple[str, ...]
    pushed_at: dt.datetime | None
    estimated: bool
    action: Action
    rule_priority: int | None  # the rule that decided (ECR's appliedRulePriority), if any
    reason: str
    kind: str = "image"  # "image" or the artifact kind
    subject: str | None = None  # for artifacts


@dataclass(frozen=True, slots=True)
class Plan:
    now: dt.datetime
    decisions: tuple[Decision, ...]  # images oldest first, then artifacts

    @property
    def expired(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.action is Action.EXPIRE)

    @property
    def kept(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.action is Action.KEEP)
