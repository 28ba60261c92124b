"""`caulk registry …`: registry housekeeping. `caulk registry lifecycle` previews (and with
`--apply` performs) an Amazon ECR lifecycle policy on a repository of any OCI registry."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

import caulk.registry.options
from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.errors import GateFailedError, RegistryError, UsageError
from caulk.instants import parse_instant
from caulk.policy.lifecycle import Decision, Plan, make_plan, parse_policy
from caulk.policy.lifecycle.validate import MAX_POLICY_CHARS
from caulk.registry.lifecycle import ApplyReport, apply_plan, gather
from caulk.registry.options import new_client
from caulk.registry.pushlog import PushLog
from caulk.registry.reference import parse_reference
from caulk.report.lifecycle import render_lifecycle
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
    click.echo(render_lifecycle(fmt, facts, plan, report), nl=False)
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
