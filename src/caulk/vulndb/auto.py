"""A scan's automatic database update (like grype's and trivy's): when the user's database (or, with
none, the embedded data) was last refreshed more than 24 h ago, fetch its feeds first.

- bounded: one time budget for the whole update (`CAULK_DB_UPDATE_TIMEOUT`, default 60 s); a feed
  still downloading when it runs out keeps its bytes and resumes on the next scan;
- verified: the same `Fetcher` as `caulk db update` (size, ETag, sha256 / GCS MD5);
- never destructive: with no database yet, the embedded data is copied in first and stays in use
  for every ecosystem no fetched feed covers, so a partial first update never loses coverage;
- quiet when it can: one line saying what it did, or that the feeds were unreachable and how old
  the data in use is. After a failure it waits an hour before trying again.

`CAULK_DB_AUTO_UPDATE=false` (or `--skip-db-update`, `--offline`) turns it off. Feeds:
`$CAULK_FEEDS` (a feeds file), else `~/.config/caulk/feeds.yaml`, else the public feeds.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import platformdirs

from caulk.errors import Error
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions
from caulk.vulndb.defaults import (
    DROPPED_META,
    EMBEDDED_PREFIX,
    default_store,
    embedded_cutoff_line,
)
from caulk.vulndb.feeds import DEFAULT_FEEDS, Feed, load_feeds
from caulk.vulndb.fetch import make_client
from caulk.vulndb.paths import default_db_path, feeds_dir
from caulk.vulndb.store import SqliteStore, open_store
from caulk.vulndb.update import UpdateResult, update_database

__all__ = [
    "AUTO_UPDATE_ENV",
    "MAX_AGE",
    "AutoUpdate",
    "auto_update_enabled",
    "configured_feeds",
    "drop_superseded_embedded",
    "prepare_store",
    "record_pull",
]

log = logging.getLogger(__name__)

AUTO_UPDATE_ENV = "CAULK_DB_AUTO_UPDATE"
TIMEOUT_ENV = "CAULK_DB_UPDATE_TIMEOUT"
FEEDS_ENV = "CAULK_FEEDS"
MAX_AGE = timedelta(hours=24)
RETRY_AFTER_FAILURE = timedelta(hours=1)
DEFAULT_BUDGET_SECONDS = 60.0
_CONNECT_TIMEOUT = 5.0
_OFF = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class AutoUpdate:
    store: SqliteStore
    lines: tuple[str, ...]  # for the user, one line per event (already worded)


def auto_update_enabled() -> bool:
    return os.environ.get(AUTO_UPDATE_ENV, "true").strip().lower() not in _OFF


def configured_feeds() -> tuple[Feed, ...]:
    override = os.environ.get(FEEDS_ENV)
    if override:
        return load_feeds(Path(override))
    configured = Path(platformdirs.user_config_dir("caulk")) / "feeds.yaml"
    return load_feeds(configured) if configured.is_file() else DEFAULT_FEEDS


def _budget() -> float:
    try:
        return max(float(os.environ.get(TIMEOUT_ENV, DEFAULT_BUDGET_SECONDS)), 1.0)
    except ValueError:
        return DEFAULT_BUDGET_SECONDS


def _utcnow() -> datetime:
    return datetime.now(UTC)


# -- the time budget --------------------------------------------------------------------------
class _OutOfTime(httpx.TimeoutException):
    pass


class _BudgetStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, check: Callable[[], None]) -> None:
        self._inner = inner
        self._check = check

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            yield chunk
            self._check()  # after handing it over: the fetcher keeps every byte received

    def close(self) -> None:
        self._inner.close()


class BudgetTransport(httpx.BaseTransport):
    """Fails every request and response body once `deadline` (monotonic) has passed; per-request
    timeouts never exceed the time left."""

    def __init__(self, inner: httpx.BaseTransport, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _check(self) -> None:
        if time.monotonic() > self._deadline:
            raise _OutOfTime("time budget for the automatic update used up")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._check()
        left = max(self._deadline - time.monotonic(), 0.1)
        request.extensions["timeout"] = {
            "connect": min(_CONNECT_TIMEOUT, left),
            "read": min(30.0, left),
            "write": min(30.0, left),
            "pool": min(_CONNECT_TIMEOUT, left),
        }
        response = self._inner.handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_BudgetStream(response.stream, self._check),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


def _budget_client_factory(seconds: float) -> Callable[[], httpx.Client]:
    def factory() -> httpx.Client:
        deadline = time.monotonic() + seconds
        return make_client(transport=BudgetTransport(httpx.HTTPTransport(), deadline))

    return factory


# -- state: when the database was last checked ------------------------------------------------
def _state_path(db: Path) -> Path:
    return db.with_name(f"{db.name}.auto-update.json")


def _read_state(db: Path) -> dict[str, str]:
    try:
        state = json.loads(_state_path(db).read_text())
        return {str(k): str(v) for k, v in state.items()} if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_state(db: Path, **items: str) -> None:
    path = _state_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({**_read_state(db), **items}, indent=1))
    tmp.replace(path)


def _when(stamp: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.0f} days" if hours >= 48 else f"{max(hours, 0):.0f} h"


# -- embedded data superseded by fetched feeds --------------------------------------------------
def drop_superseded_embedded(db: Path) -> list[str]:
    """Stop matching embedded records in every ecosystem a fetched source covers (one transaction
    in place; readers see before or after). An embedded source left without affected rows is
    removed and listed in meta `embedded_dropped`. Returns the ecosystems taken over."""
    conn = sqlite3.connect(db, timeout=30)
    embedded = f"{EMBEDDED_PREFIX}%"
    try:
        if not conn.execute("SELECT 1 FROM sources WHERE location LIKE ?", (embedded,)).fetchone():
            return []
        with conn:
            covered = [
                str(r[0])
                for r in conn.execute(
                    "SELECT DISTINCT f.ecosystem FROM affected f JOIN advisories a"
                    " ON a.rowid = f.advisory WHERE a.source NOT LIKE ? ORDER BY 1",
                    (embedded,),
                )
            ]
            conn.executemany(
                "DELETE FROM affected WHERE ecosystem = ? AND advisory IN"
                " (SELECT rowid FROM advisories WHERE source LIKE ?)",
                [(eco, embedded) for eco in covered],
            )
            empty = [
                str(r[0])
                for r in conn.execute(
                    "SELECT location FROM sources WHERE location LIKE ? AND NOT EXISTS"
                    " (SELECT 1 FROM affected f JOIN advisories a ON a.rowid = f.advisory"
                    "  WHERE a.source = sources.location)",
                    (embedded,),
                )
            ]
            for location in empty:
                conn.execute("DELETE FROM advisories WHERE source = ?", (location,))
                conn.execute("DELETE FROM sources WHERE location = ?", (location,))
            if empty:
                row = conn.execute("SELECT value FROM meta WHERE key = ?", (DROPPED_META,))
                before = json.loads((row.fetchone() or ["[]"])[0])
                conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    (DROPPED_META, json.dumps(sorted({*before, *empty}))),
                )
        return covered
    finally:
        conn.close()


# -- the update ---------------------------------------------------------------------------------
def _seed_from_embedded(db: Path) -> None:
    """Start the user's database as a copy of the embedded one (published atomically)."""
    embedded = default_store()
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        tmp = db.with_name(f".{db.name}.{os.getpid()}.seed")
        shutil.copyfile(embedded.path, tmp)
        tmp.chmod(0o644)
        tmp.replace(db)
    finally:
        embedded.close()


def _data_age_line(db: Path, now: datetime) -> str:
    """`the database was last updated 3 days ago` / the embedded data's cut-off."""
    if not db.is_file():
        store = default_store()
        try:
            line = embedded_cutoff_line(store) or ""
            return f"using caulk's embedded advisory data, {line.split(' (', 1)[0]}"
        finally:
            store.close()
    store = open_store(db)
    try:
        last = _when(_read_state(db).get("updated_at")) or _when(store.meta().get("built_at"))
    finally:
        store.close()
    return f"using the advisory database last updated {_age(now - last)} ago" if last else ""


def _summary(result: UpdateResult, seconds: float) -> str:
    fetched = sum(1 for o in result.outcomes if o.download is not None and not o.error)
    failed = result.failed
    line = (
        f"advisory database updated automatically in {seconds:.0f} s:"
        f" {fetched} of {len(result.outcomes)} feeds current, {len(result.reports)} re-imported"
    )
    if failed:
        line += (
            f"; {len(failed)} not fetched ({failed[0].error}); downloads resume on the next scan"
        )
    return line


def _spent(seconds: float, budget: float) -> str:
    return f" (the {budget:.0f} s time budget ran out)" if seconds >= 0.9 * budget else ""


def _due(db: Path, now: datetime) -> bool:
    state = _read_state(db)
    checked = _when(state.get("checked_at"))
    failed = _when(state.get("failed_at"))
    if failed is not None and (checked is None or failed > checked):
        return now - failed >= RETRY_AFTER_FAILURE
    return checked is None or now - checked >= MAX_AGE


def prepare_store(
    *,
    update: bool = True,
    now: Callable[[], datetime] = _utcnow,
    client_factory: Callable[[], httpx.Client] | None = None,
    feeds: Sequence[Feed] | None = None,
    registry: RegistryOptions = DEFAULT_OPTIONS,
) -> AutoUpdate:
    """The store a default scan uses, updated first when it is due and `update` allows it;
    `registry` applies when it was pulled from a registry (`caulk db update --from`)."""
    db = default_db_path()
    explicit = bool(os.environ.get("CAULK_DB"))
    if not update or not auto_update_enabled() or (explicit and not db.is_file()):
        return AutoUpdate(_open(db), ())
    start, when = time.monotonic(), now()
    if not _due(db, when):
        return AutoUpdate(_open(db), ())
    state = _read_state(db)
    if state.get("pulled_from") and db.is_file():  # an air-gapped fleet's own mirror
        try:
            line = _pull_again(db, state["pulled_from"], state.get("pull_key", ""), registry)
        except (Error, OSError) as exc:
            _write_state(db, failed_at=when.isoformat(timespec="seconds"))
            why = exc.message if isinstance(exc, Error) else str(exc)
            line = (
                f"could not update from {state['pulled_from']}: {why}; {_data_age_line(db, when)}"
            )
            return AutoUpdate(_open(db), (line,))
        stamp = when.isoformat(timespec="seconds")
        _write_state(db, checked_at=stamp, updated_at=stamp)
        return AutoUpdate(_open(db), (line,))
    budget = _budget()
    factory = client_factory or _budget_client_factory(budget)
    chosen = tuple(feeds) if feeds is not None else configured_feeds()
    target = db if db.is_file() else db.with_name(f".{db.name}.{os.getpid()}.first")
    try:
        if target != db:
            _seed_from_embedded(target)
        result = update_database(target, chosen, feeds_dir(), client_factory=factory)
        if result.reports:
            drop_superseded_embedded(target)
        if target != db:
            target.replace(db)
    except Error as exc:
        log.info("automatic update failed: %s", exc)
        _write_state(db, failed_at=when.isoformat(timespec="seconds"))
        spent = _spent(time.monotonic() - start, budget)
        age = _data_age_line(db, when)
        line = f"advisory feeds unreachable: {exc.message}{spent}; {age}"
        return AutoUpdate(_open(db), (line.rstrip("; "),))
    finally:
        if target != db:
            target.unlink(missing_ok=True)
    stamp = when.isoformat(timespec="seconds")
    if result.reports:
        _write_state(db, updated_at=stamp)
    # A feed that failed (out of time, unreachable) is tried again in an hour, resuming its bytes.
    _write_state(db, **({"failed_at": stamp} if result.failed else {"checked_at": stamp}))
    seconds = time.monotonic() - start
    return AutoUpdate(_open(db), (_summary(result, seconds) + _spent(seconds, budget),))


def record_pull(
    db: Path, reference: str, key: Path | None, now: Callable[[], datetime] = _utcnow
) -> None:
    """`caulk db update --from REF [--key K]` installed `db`: automatic updates pull REF again
    (verified with the same key), not the public feeds."""
    stamp = now().isoformat(timespec="seconds")
    key_path = str(key.resolve()) if key else ""
    _write_state(db, pulled_from=reference, pull_key=key_path, checked_at=stamp, updated_at=stamp)


def _pull_again(db: Path, reference: str, key: str, registry: RegistryOptions) -> str:
    from caulk.signing.keys import load_public_key
    from caulk.vulndb.oci import pull_database

    public = load_public_key(Path(key).read_bytes(), where=key) if key else None
    result = pull_database(reference, db, feeds_dir() / "oci", key=public, registry=registry)
    signed = ", signature verified" if result.signed else ""
    return (
        f"advisory database updated automatically from {result.reference}{signed}:"
        f" {result.advisories} advisories built {result.built_at}"
    )


def _open(db: Path) -> SqliteStore:
    return open_store(db) if db.is_file() else default_store()
