"""`caulk registry …`: registry housekeeping. `caulk registry lifecycle` previews (and with
`--apply` performs) an Amazon ECR lifecycle policy on a repository of any OCI registry."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

import caulk.registry.options
from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.errors import GateFailedError, RegistryError, UsageError
from caulk.instants import parse_instant
from caulk.policy.lifecycle import Action, Decision, Plan, make_plan, parse_policy
from caulk.policy.lifecycle.validate import MAX_POLICY_CHARS
from caulk.registry.lifecycle import ApplyReport, RepositoryFacts, apply_plan, gather
from caulk.registry.options import new_client
from caulk.registry.pushlog import PushLog
from caulk.registry.reference import parse_reference
from caulk.safeload import read_regular

__all__ = ["lifecycle", "registry"]


@cli.group()
def registry() -> None:
    """Registry housekeeping (lifecycle policies)."""


def _repository(text: str) -> tuple[str, str]:
    ref = parse_reference(text)
    if "@" in text or ":" in text.rsplit("/", 1)[-1] or "/" not in text:
        raise UsageError(f"expected REGISTRY/REPOSITORY without tag or digest, got {text!r}")
    return ref.registry, ref.repository


def _now(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return parse_instant(moment.isoformat())  # in UTC and far from datetime's limits
    except (ValueError, OverflowError):
        raise UsageError(f"--now: not an ISO 8601 time in range: {text!r}") from None


@registry.command()
@click.argument("repository", metavar="REGISTRY/REPO")
@click.option(
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="ECR lifecycle policy JSON, unchanged.",
)
@click.option("--apply", "do_apply", is_flag=True, help="Delete the expired manifests.")
@click.option(
    "--allow-untag-others",
    is_flag=True,
    help="With --apply: delete an expired digest even if it gained tags since the preview.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option("--now", "now_text", metavar="ISO", help="Evaluate at this time (default: now).")
@click.option(
    "--push-log",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="CAULK_PUSH_LOG",
    help="SQLite push log recorded from registry notifications (else push times are estimated).",
)
@registry_options
def lifecycle(
    repository: str,
    policy_path: Path,
    do_apply: bool,
    allow_untag_others: bool,
    fmt: str,
    now_text: str | None,
    push_log: Path | None,
    registry: caulk.registry.options.RegistryOptions,
) -> None:
    """Preview ECR lifecycle POLICY on REGISTRY/REPO; delete the expired images with --apply.

    Images are digests with all their tags, as in ECR. Push times come from --push-log, else
    from the image config 'created' (shown with '~' and "estimated"). cosign .sig/.att
    artifacts follow their image. Exit 1 when --apply refused a deletion, 3 when one failed.
    """
    host, repo = _repository(repository)
    raw_policy = read_regular(policy_path, max_bytes=4 * MAX_POLICY_CHARS, what="policy")
    policy = parse_policy(raw_policy, where=str(policy_path))
    now = _now(now_text)
    log = PushLog(push_log) if push_log else None
    with new_client(registry) as client:
        facts = gather(client, host, repo, push_log=log)
        plan = make_plan(facts.images, facts.artifacts, policy, now)
        report = None
        if do_apply:
            _say_deleting(plan, f"{host}/{repo}")
            report = apply_plan(
                client,
                host,
                repo,
                plan,
                allow_untag_others=allow_untag_others,
                held=facts.held_by_kept_indexes(plan),
                on_delete=_say_deleted,
            )
    if fmt == "json":
        click.echo(json.dumps(_json(facts, plan, report), indent=2))
    else:
        click.echo(_table(facts, plan, report), nl=False)
    if report is not None:
        _raise_for(report)


def _say_deleting(plan: Plan, repository: str) -> None:
    """Before deleting, say what will go (stderr, flushed): whatever happens later, the user
    knows what this run set out to delete."""
    click.echo(
        f"caulk: deleting up to {len(plan.expired)} expired manifest(s) from {repository}",
        err=True,
    )


def _say_deleted(decision: Decision) -> None:
    """As each manifest is deleted (stderr, flushed), so a crash later cannot hide it."""
    tags = f" ({', '.join(decision.tags)})" if decision.tags else ""
    click.echo(f"caulk: deleted {decision.digest}{tags}", err=True)
    sys.stderr.flush()


def _raise_for(report: ApplyReport) -> None:
    if report.failed is not None:
        decision, error = report.failed
        raise RegistryError(
            f"deleting {decision.digest} failed ({error}); {len(report.deleted)} deleted, "
            f"{len(report.remaining) + 1} expired manifest(s) left in place"
        )
    if report.refused:
        raise GateFailedError(
            f"{len(report.refused)} expired manifest(s) not deleted (see 'refused'); "
            f"{len(report.deleted)} deleted"
        )


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
