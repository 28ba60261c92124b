"""`caulk db import|update|status`: the local advisory database."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from caulk import terminal
from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.errors import DatabaseError, OperationalError, UsageError
from caulk.registry.options import RegistryOptions
from caulk.vulndb.defaults import default_store, embedded_cutoff_line
from caulk.vulndb.feeds import Feed, load_feeds
from caulk.vulndb.interface import ImportReport, SourceFreshness
from caulk.vulndb.metrics.interface import METRIC_KINDS
from caulk.vulndb.paths import default_db_path, feeds_dir
from caulk.vulndb.store import SourceFile, SourceInfo, SqliteStore, build_store, open_store

__all__ = ["db"]


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _age(stamp: str, now: datetime) -> str:
    try:
        seconds = (now - datetime.fromisoformat(stamp)).total_seconds()
    except ValueError:
        return "?"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{max(int(seconds), 0)}s"


def _echo_report(report: ImportReport, quiet: bool, previous: SourceInfo | None = None) -> None:
    line = f"imported {report.imported} records from {report.source}"
    extras = [f"{report.skipped} skipped"] if report.skipped else []
    if report.duplicates:
        extras.append(f"{report.duplicates} duplicate ids")
    if report.unknown_ecosystems:
        extras.append(f"unknown ecosystems: {', '.join(report.unknown_ecosystems)}")
    line = f"{line} ({'; '.join(extras)})" if extras else line
    if previous is not None:
        line += f": replaced its import of {previous.imported_at} ({previous.records} records)"
    click.echo(line)
    if not quiet:
        for error in report.errors[:5]:
            click.echo(f"  skipped: {terminal.printable(error)}", err=True)


@cli.group("db")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: $CAULK_DB or ~/.cache/caulk/vulndb.sqlite).",
)
@click.pass_context
def db(ctx: click.Context, db_path: Path | None) -> None:
    """Import, update and inspect the local advisory database."""
    ctx.ensure_object(dict)
    ctx.obj["db_path"] = db_path or default_db_path()


@db.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--replace",
    is_flag=True,
    help="Start over: the database holds only these sources afterwards.",
)
@click.option("--append", is_flag=True, hidden=True, help="Kept for old scripts: the default.")
@click.option(
    "--kind",
    type=click.Choice(METRIC_KINDS),
    help="Read every SOURCE as this kind of CVE metrics (default: detected from the content).",
)
@click.pass_context
def import_(
    ctx: click.Context, sources: tuple[str, ...], replace: bool, append: bool, kind: str | None
) -> None:
    """Import OSV (dir/zip, JSON/YAML), Debian tracker JSON or DSA/DLA lists, Alpine secdb or
    Amazon Linux updateinfo.xml from PATHs or URLs, and CVE metrics: NVD JSON (API 2.0 pages,
    per-year feeds), CVE JSON 5 records (e.g. CISA vulnrichment), the CISA KEV catalog (JSON),
    FIRST EPSS scores (CSV, gzip or not).

    Imports compose: the sources already in the database stay, a source imported again replaces
    its own earlier import, and each line says whether a source was added or replaced.
    `--replace` starts over. The new database replaces the old one atomically."""
    from caulk.vulndb.fetch import Fetcher, make_client  # httpx: only when a command needs it

    if replace and append:
        raise UsageError("--replace and --append contradict each other")
    files = []
    urls = [s for s in sources if _is_url(s)]
    client = make_client() if urls else None
    try:
        fetcher = Fetcher(client, feeds_dir())
        for source in sources:
            if _is_url(source):
                download = fetcher.fetch(Feed(source))
                files.append(SourceFile(source, download.path, download.last_modified, kind=kind))
            elif Path(source).exists():
                files.append(SourceFile(str(Path(source).resolve()), Path(source), kind=kind))
            else:
                raise UsageError("no such file or directory", where=source)
    finally:
        if client is not None:
            client.close()
    db_path: Path = ctx.obj["db_path"]
    before = {s.location: s for s in _existing_sources(db_path, keep=not replace)}
    quiet = ctx.obj.get("quiet", False)
    for report in build_store(db_path, files, append=not replace):
        _echo_report(report, quiet, None if replace else before.get(report.source))
    others = sorted(set(before) - {f.location for f in files})
    if others and replace:
        click.echo(f"--replace: dropped {len(others)} earlier source(s): {', '.join(others)}")
    elif others:
        click.echo(f"added to the {len(others)} source(s) already imported (--replace starts over)")
    click.echo(f"database: {db_path}")


def _existing_sources(db_path: Path, *, keep: bool) -> list[SourceInfo]:
    """The sources of the current database (none when there is none yet). One that is to be
    kept (`keep`) but is unreadable is never silently thrown away: the message says to start
    over with --replace."""
    if not db_path.is_file():
        return []
    try:
        store = open_store(db_path)
    except DatabaseError as exc:
        if not keep:
            return []
        raise DatabaseError(
            f"{exc.message.split(';')[0]}; `caulk db import --replace …` starts a new one",
            where=str(db_path),
        ) from exc
    try:
        return store.sources()
    finally:
        store.close()


def _feeds(feeds_file: Path | None, urls: tuple[str, ...]) -> tuple[Feed, ...]:
    if urls:
        return tuple(Feed(u) for u in urls)
    if feeds_file is not None:
        return load_feeds(feeds_file)
    from caulk.vulndb.auto import configured_feeds

    return configured_feeds()


@db.command("update")
@click.option(
    "--offline", is_flag=True, help="Never touch the network: re-import cached downloads."
)
@click.option(
    "--feeds", "feeds_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML/JSON list of feeds (default: ~/.config/caulk/feeds.yaml, else the public feeds).",
)  # fmt: skip
@click.option("--feed", "feed_urls", multiple=True, help="Fetch this URL instead (repeatable).")
@click.option(
    "--from", "from_ref", metavar="REGISTRY/REPO:TAG",
    help="Install the database artifact `caulk db push` published there instead (air-gapped).",
)  # fmt: skip
@click.option(
    "--key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --from: cosign public key; the artifact must carry a valid signature.",
)  # fmt: skip
@registry_options
@click.pass_context
def update(
    ctx: click.Context,
    offline: bool,
    feeds_file: Path | None,
    feed_urls: tuple[str, ...],
    from_ref: str | None,
    key: Path | None,
    registry: RegistryOptions,
) -> None:
    """Fetch the public advisory feeds (resumable, verified) and re-import the changed ones."""
    from caulk.vulndb.auto import drop_superseded_embedded
    from caulk.vulndb.update import update_database  # httpx: only when a command needs it

    if from_ref is not None or key is not None:
        if from_ref is None or offline or feeds_file or feed_urls:
            raise UsageError("--from REF (with optional --key) replaces --offline/--feeds/--feed")
        _update_from(ctx.obj["db_path"], from_ref, key, registry)
        return
    feeds = _feeds(feeds_file, feed_urls)
    if offline:
        click.echo(
            f"offline: not contacting the network; using cached downloads of {len(feeds)} feeds"
        )
    result = update_database(ctx.obj["db_path"], feeds, feeds_dir(), offline=offline)
    if result.reports:
        drop_superseded_embedded(ctx.obj["db_path"])  # a database a scan seeded from embedded data
    for outcome in result.outcomes:
        dl = outcome.download
        if outcome.error:
            fallback = f"; using the cached copy from {dl.fetched_at}" if dl else ""
            failed = f"failed  {outcome.feed.url}: {outcome.error}{fallback}"
            click.echo(terminal.printable(failed), err=True)
        elif dl is None:
            click.echo(f"missing {outcome.feed.url}: no cached download", err=True)
        elif not dl.changed:
            click.echo(f"cached  {dl.url} ({dl.size} bytes, fetched {dl.fetched_at})")
        else:
            resumed = f", resumed at byte {dl.resumed_from}" if dl.resumed_from else ""
            click.echo(f"fetched {dl.url} ({dl.size} bytes{resumed})")
    for report in result.reports:
        _echo_report(report, ctx.obj.get("quiet", False))
    state = "re-imported" if result.reports else "up to date:"
    click.echo(f"database {state} {ctx.obj['db_path']}")
    if result.failed:
        raise OperationalError(
            f"{len(result.failed)} of {len(feeds)} feeds failed", where="db update"
        )


def _data_date(source: SourceFreshness, now: datetime) -> dict[str, Any]:
    """The data's own date (feed timestamp, else newest record `modified`) and its age."""
    if source.data_date is None:
        return {"data_date": None, "date_basis": None, "data_age": None}
    return {
        "data_date": source.data_date,
        "date_basis": source.date_basis,
        "data_age": _age(source.data_date.replace("Z", "+00:00"), now),
    }


def _update_from(
    db_path: Path, reference: str, key: Path | None, registry: RegistryOptions
) -> None:
    from caulk.cli.sign import _public_key
    from caulk.vulndb.auto import record_pull
    from caulk.vulndb.oci import pull_database

    result = pull_database(
        reference,
        db_path,
        feeds_dir() / "oci",
        key=_public_key(key) if key else None,
        registry=registry,
    )
    record_pull(db_path, reference, key)
    resumed = f", resumed at byte {result.resumed_from}" if result.resumed_from else ""
    signed = "signature verified, " if result.signed else ""
    click.echo(
        f"installed {result.reference} ({signed}{result.layer_size} bytes{resumed}):"
        f" {result.advisories} advisories built {result.built_at}"
    )
    click.echo(f"database: {db_path}")


@db.command("push")
@click.argument("reference", metavar="REGISTRY/REPO:TAG")
@registry_options
@click.pass_context
def push(ctx: click.Context, reference: str, registry: RegistryOptions) -> None:
    """Publish the database as an OCI artifact (sign it with `caulk sign REF --key …`)."""
    from caulk.vulndb.oci import ARTIFACT_TYPE, push_database

    path: Path = ctx.obj["db_path"]
    explicit = ctx.parent is not None and ctx.parent.params.get("db_path") is not None
    if not path.is_file() and not explicit and not os.environ.get("CAULK_DB"):
        store = default_store()  # nothing imported: publish the embedded data's database
        path = store.path
        store.close()
    result = push_database(path, reference, registry=registry)
    click.echo(
        f"pushed {path} ({result.advisories} advisories, {result.layer_size} bytes compressed)"
        f" as {ARTIFACT_TYPE}"
    )
    click.echo(f"{result.reference}@{result.digest}")


def _describe(store: SqliteStore, now: datetime) -> dict[str, Any]:
    advisories, withdrawn = store.count()
    meta = store.meta()
    dates = {f.location: f for f in store.freshness()}
    return {
        "path": str(store.path),
        "schema_version": meta.get("schema_version"),
        "built_at": meta.get("built_at"),
        "age": _age(meta.get("built_at", ""), now),
        "size_bytes": store.path.stat().st_size,
        "advisories": advisories,
        "withdrawn": withdrawn,
        "ecosystems": list(store.ecosystems()),
        "embedded_cutoff": embedded_cutoff_line(store),
        "sources": [
            {
                "location": s.location,
                "kinds": list(s.kinds),
                "imported_at": s.imported_at,
                "age": _age(s.imported_at, now),
                "records": s.records,
                "skipped": s.skipped,
                "duplicates": s.duplicates,
                "sha256": s.sha256,
                "unknown_ecosystems": list(s.unknown_ecosystems),
                **_data_date(dates[s.location], now),
                "ecosystems": list(dates[s.location].ecosystems),
            }
            for s in store.sources()
        ],
    }


@db.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Show the database: path, sources, record counts, age."""
    path: Path = ctx.obj["db_path"]
    now = datetime.now(UTC)
    explicit = ctx.parent is not None and ctx.parent.params.get("db_path") is not None
    if not path.is_file() and not explicit and not os.environ.get("CAULK_DB"):
        store = default_store()
        info: dict[str, Any] = {
            "path": str(path),
            "exists": False,
            "embedded": _describe(store, now),
        }
    else:
        store = open_store(path)
        info = {"exists": True, **_describe(store, now)}
    store.close()
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
        return
    shown: dict[str, Any] = info if info["exists"] else info["embedded"]
    if not info["exists"]:
        click.echo(f"no database at {path}: scans use the embedded advisory data")
        click.echo("(run `caulk db update` or `caulk db import PATH…` for current data)")
    if shown.get("embedded_cutoff"):
        click.echo(f"embedded:   {shown['embedded_cutoff']}")
    click.echo(f"path:       {shown['path']}")
    click.echo(f"built:      {shown['built_at']} ({shown['age']} ago)")
    click.echo(f"advisories: {shown['advisories']} ({shown['withdrawn']} withdrawn)")
    click.echo(terminal.printable(f"ecosystems: {', '.join(shown['ecosystems'])}"))
    click.echo("sources:")
    for s in shown["sources"]:
        skipped = f", {s['skipped']} skipped" if s["skipped"] else ""
        dated = (
            f"data from {s['data_date']} ({s['data_age']} old, {s['date_basis']})"
            if s["data_date"]
            else "data date unknown (no feed timestamp, no record dates)"
        )
        click.echo(
            f"  {s['location']}  [{','.join(s['kinds'])}] {s['records']} records{skipped},"
            f" {dated}, imported {s['imported_at']} ({s['age']} ago), sha256 {s['sha256'][:12]}"
        )
