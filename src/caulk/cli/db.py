"""`caulk db import|update|status`: the local advisory database."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import platformdirs

from caulk import terminal
from caulk.cli.main import cli
from caulk.errors import OperationalError, UsageError
from caulk.vulndb.defaults import default_store
from caulk.vulndb.feeds import DEFAULT_FEEDS, Feed, load_feeds
from caulk.vulndb.interface import ImportReport
from caulk.vulndb.paths import default_db_path, feeds_dir
from caulk.vulndb.store import SourceFile, SqliteStore, build_store, open_store

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


def _echo_report(report: ImportReport, quiet: bool) -> None:
    line = f"imported {report.imported} records from {report.source}"
    extras = [f"{report.skipped} skipped"] if report.skipped else []
    if report.duplicates:
        extras.append(f"{report.duplicates} duplicate ids")
    if report.unknown_ecosystems:
        extras.append(f"unknown ecosystems: {', '.join(report.unknown_ecosystems)}")
    click.echo(f"{line} ({'; '.join(extras)})" if extras else line)
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
@click.option("--append", is_flag=True, help="Keep the sources already in the database.")
@click.pass_context
def import_(ctx: click.Context, sources: tuple[str, ...], append: bool) -> None:
    """Import OSV (dir/zip, JSON/YAML), Debian tracker JSON or Alpine secdb from PATHs or URLs.

    All sources go into one new database that replaces the old one atomically."""
    from caulk.vulndb.fetch import Fetcher, make_client  # httpx: only when a command needs it

    files = []
    urls = [s for s in sources if _is_url(s)]
    client = make_client() if urls else None
    try:
        fetcher = Fetcher(client, feeds_dir())
        for source in sources:
            if _is_url(source):
                files.append(SourceFile(source, fetcher.fetch(Feed(source)).path))
            elif Path(source).exists():
                files.append(SourceFile(str(Path(source).resolve()), Path(source)))
            else:
                raise UsageError("no such file or directory", where=source)
    finally:
        if client is not None:
            client.close()
    for report in build_store(ctx.obj["db_path"], files, append=append):
        _echo_report(report, ctx.obj.get("quiet", False))
    click.echo(f"database: {ctx.obj['db_path']}")


def _feeds(feeds_file: Path | None, urls: tuple[str, ...]) -> tuple[Feed, ...]:
    if urls:
        return tuple(Feed(u) for u in urls)
    if feeds_file is not None:
        return load_feeds(feeds_file)
    configured = Path(platformdirs.user_config_dir("caulk")) / "feeds.yaml"
    return load_feeds(configured) if configured.is_file() else DEFAULT_FEEDS


@db.command("update")
@click.option(
    "--offline", is_flag=True, help="Never touch the network: re-import cached downloads."
)
@click.option(
    "--feeds", "feeds_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML/JSON list of feeds (default: ~/.config/caulk/feeds.yaml, else the public feeds).",
)  # fmt: skip
@click.option("--feed", "feed_urls", multiple=True, help="Fetch this URL instead (repeatable).")
@click.pass_context
def update(
    ctx: click.Context, offline: bool, feeds_file: Path | None, feed_urls: tuple[str, ...]
) -> None:
    """Fetch the public advisory feeds (resumable, verified) and re-import the changed ones."""
    from caulk.vulndb.update import update_database  # httpx: only when a command needs it

    feeds = _feeds(feeds_file, feed_urls)
    if offline:
        click.echo(
            f"offline: not contacting the network; using cached downloads of {len(feeds)} feeds"
        )
    result = update_database(ctx.obj["db_path"], feeds, feeds_dir(), offline=offline)
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


def _describe(store: SqliteStore, now: datetime) -> dict[str, Any]:
    advisories, withdrawn = store.count()
    meta = store.meta()
    return {
        "path": str(store.path),
        "schema_version": meta.get("schema_version"),
        "built_at": meta.get("built_at"),
        "age": _age(meta.get("built_at", ""), now),
        "size_bytes": store.path.stat().st_size,
        "advisories": advisories,
        "withdrawn": withdrawn,
        "ecosystems": list(store.ecosystems()),
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
        click.echo(f"no database at {path}: scans use the embedded advisory subset")
        click.echo("(run `caulk db update` or `caulk db import PATH…` for full data)")
    click.echo(f"path:       {shown['path']}")
    click.echo(f"built:      {shown['built_at']} ({shown['age']} ago)")
    click.echo(f"advisories: {shown['advisories']} ({shown['withdrawn']} withdrawn)")
    click.echo(terminal.printable(f"ecosystems: {', '.join(shown['ecosystems'])}"))
    click.echo("sources:")
    for s in shown["sources"]:
        skipped = f", {s['skipped']} skipped" if s["skipped"] else ""
        click.echo(
            f"  {s['location']}  [{','.join(s['kinds'])}] {s['records']} records{skipped},"
            f" imported {s['imported_at']} ({s['age']} ago), sha256 {s['sha256'][:12]}"
        )
