"""Fuzz (issue 9): `parse_policy` on hostile lifecycle policies, and `make_plan` with whatever it
accepted (a policy that validates must evaluate: item 21's countNumber >= 10^9 crashed there)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from hypothesis import example, given

from caulk.policy.lifecycle import make_plan, parse_policy
from caulk.policy.lifecycle.interface import ImageFacts
from tests.support.fuzz import FUZZ, clean, json_documents, pending_on_safeload

ECR = Path(__file__).resolve().parents[3] / "fixtures" / "lifecycle" / "ecr"
SEEDS = [
    d["policy"] for p in sorted(ECR.glob("*.json")) if "policy" in (d := json.loads(p.read_text()))
]
NOW = dt.datetime(2024, 6, 15, 12, tzinfo=dt.UTC)
IMAGES = [
    ImageFacts(f"sha256:{i:064x}", tags, NOW - dt.timedelta(days=d))
    for i, (tags, d) in enumerate([(("prod-1",), 10), (("beta-2", "x"), 3), ((), 400), (("a",), 0)])
] + [ImageFacts(f"sha256:{9:064x}", ("unknown-time",), None)]
COUNT_BOMB = {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any",
              "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 10**9},
              "action": {"type": "expire"}}]}  # fmt: skip


@pending_on_safeload("item 21")
@FUZZ
@given(json_documents(SEEDS))
@example(json.dumps(COUNT_BOMB).encode())
def test_hostile_policies_fail_cleanly_or_evaluate(document: bytes) -> None:
    policy = clean(lambda: parse_policy(document, where="policy.json"))
    if policy is not None:
        make_plan(IMAGES, [], policy, NOW)
