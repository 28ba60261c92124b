"""`caulk registry lifecycle`'s preview and --apply report: an aligned table, or JSON shaped like
ECR's `get-lifecycle-policy-preview` answer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from caulk.policy.lifecycle import Action, Decision, Plan
from caulk.registry.lifecycle import ApplyReport, RepositoryFacts

__all__ = ["render_lifecycle"]


def render_lifecycle(
    fmt: str, facts: RepositoryFacts, plan: Plan, report: ApplyReport | None
) -> str:
    """`fmt` is "table" or "json"; `report` is None for a preview."""
    if fmt == "json":
        return json.dumps(_json(facts, plan, report), indent=2) + "\n"
    return _table(facts, plan, report)


def _when(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def _entry(d: Decision) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "imageDigest": d.digest,
        "imageTags": list(d.tags),
        "imagePushedAt": _when(d.pushed_at),
        "pushedAtEstimated": d.estimated,
        "action": {"type": "EXPIRE"} if d.action is Action.EXPIRE else None,
        "appliedRulePriority": d.rule_priority,
        "reason": d.reason,
    }
    if d.kind != "image":
        entry["artifactType"] = d.kind
        entry["subjectDigest"] = d.subject or None
    return entry


def _json(facts: RepositoryFacts, plan: Plan, report: ApplyReport | None) -> dict[str, Any]:
    images = [d for d in plan.expired if d.kind == "image"]
    doc: dict[str, Any] = {
        "registry": facts.registry,
        "repositoryName": facts.repository,
        "evaluatedAt": _when(plan.now),
        "previewResults": [_entry(d) for d in plan.expired],
        "retained": [_entry(d) for d in plan.kept],
        "summary": {
            "expiringImageTotalCount": len(images),
            "expiringArtifactTotalCount": len(plan.expired) - len(images),
            "estimatedPushTimes": sum(1 for d in plan.decisions if d.estimated),
        },
        "notes": list(facts.notes),
    }
    if report is not None:
        doc["apply"] = {
            "deleted": [d.digest for d in report.deleted],
            "alreadyGone": [d.digest for d in report.already_gone],
            "refused": [{"imageDigest": d.digest, "reason": why} for d, why in report.refused],
            "failed": (
                {"imageDigest": report.failed[0].digest, "error": report.failed[1]}
                if report.failed
                else None
            ),
            "remaining": [d.digest for d in report.remaining],
        }
    return doc


def _short_tag(tag: str) -> str:
    """cosign's `sha256-<64 hex>.sig` shortened for the table (the JSON keeps it whole)."""
    if tag.startswith("sha256-") and len(tag) >= 71:
        return f"{tag[:19]}…{tag[71:]}"
    return tag


def _row(d: Decision) -> list[str]:
    pushed = _when(d.pushed_at)
    when = "unknown" if pushed is None else pushed[:19].replace("T", " ")
    tags = ", ".join(_short_tag(t) for t in d.tags) or "<untagged>"
    if d.kind != "image":
        tags = f"{tags} [{d.kind}]"
    return [
        "EXPIRE" if d.action is Action.EXPIRE else "keep",
        d.digest[:19],
        tags,
        ("~" if d.estimated else "") + when,
        "-" if d.rule_priority is None else str(d.rule_priority),
        d.reason,
    ]


def _table(facts: RepositoryFacts, plan: Plan, report: ApplyReport | None) -> str:
    from caulk.terminal import printable  # tags, notes and reasons hold the registry's text

    header = ["ACTION", "DIGEST", "TAGS", "PUSHED (UTC)", "RULE", "REASON"]
    rows = [header, *(_row(d) for d in plan.decisions)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]]).rstrip()
        for r in rows
    ]
    images = sum(1 for d in plan.expired if d.kind == "image")
    lines.append("")
    lines.append(
        f"{facts.registry}/{facts.repository}: {images} image(s) and "
        f"{len(plan.expired) - images} artifact(s) expire, {len(plan.kept)} kept "
        f"(evaluated at {_when(plan.now)})"
    )
    if any(d.estimated for d in plan.decisions):
        lines.append("~ push time estimated from the image config 'created' (not in a push log)")
    lines.extend(f"note: {n}" for n in facts.notes)
    held = facts.held_by_kept_indexes(plan)
    lines.extend(
        f"warning: {d.digest} expires but is listed by the kept index {held[d.digest]}; "
        "--apply will not delete it"
        for d in plan.expired
        if d.digest in held
    )
    if report is None:
        lines.append("preview only: nothing deleted (use --apply)")
    else:
        lines.extend(
            f"deleted {d.digest} ({', '.join(d.tags) or 'untagged'})" for d in report.deleted
        )
        lines.extend(f"already gone {d.digest}" for d in report.already_gone)
        lines.extend(f"refused {d.digest}: {why}" for d, why in report.refused)
        if report.failed is not None:
            lines.append(f"FAILED {report.failed[0].digest}: {report.failed[1]}")
            lines.extend(f"left in place {d.digest}" for d in report.remaining)
    return "\n".join(map(printable, lines)) + "\n"
