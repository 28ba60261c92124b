"""Push times recorded from registry notifications, because the distribution API has none.

CNCF distribution sends each endpoint a POST with an envelope `{"events": [...]}` (content type
`application/vnd.docker.distribution.events.v1+json`; v2 is accepted too). One event per blob and
per manifest push (`target.mediaType` a manifest type, `target.tag` when pushed by tag), per pull,
and per delete (`target.digest` for a manifest; tag deletions carry only `target.tag`).

`PushLog.record_events(body, content_type)` keeps manifest pushes and manifest deletes in a small
SQLite file (deduplicated by event id, since the registry re-sends on failures);
`PushLog.pushed_at(repository)` answers ECR's `imagePushedAt`: the first push of each digest since
it was last deleted from that repository.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from caulk.errors import DatabaseError, InputError
from caulk.instants import parse_instant
from caulk.safeload import DocumentError, load_json

__all__ = ["EVENTS_V1", "EVENTS_V2", "PushLog", "PushRecord"]

log = logging.getLogger(__name__)

EVENTS_V1 = "application/vnd.docker.distribution.events.v1+json"
EVENTS_V2 = "application/vnd.docker.distribution.events.v2+json"
_MAX_BODY = 16 * 1024 * 1024
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    action TEXT NOT NULL,          -- 'push' or 'delete'
    repository TEXT NOT NULL,
    digest TEXT NOT NULL,
    tag TEXT,
    media_type TEXT,
    at TEXT NOT NULL               -- UTC, fixed-width ISO 8601: sorts as text
);
CREATE INDEX IF NOT EXISTS events_repo ON events (repository, digest, at);
"""


@dataclass(frozen=True, slots=True)
class PushRecord:
    digest: str
    pushed_at: dt.datetime
    tags: tuple[str, ...]  # tags named by the push events since that first push


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:  # RFC 3339 in UTC: an out-of-range offset time no longer overflows when stored
        return parse_instant(text)
    except ValueError:
        return None


class PushLog:
    """A push log in the SQLite file `path` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=10.0)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open the push log: {exc}", where=str(self.path)) from None
        try:
            with db:
                yield db
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"push log: {exc}", where=str(self.path)) from None
        finally:
            db.close()

    def record_events(self, body: bytes, content_type: str) -> int:
        """Store the manifest pushes and deletes of one notification envelope; returns how many
        new events were stored. A malformed envelope raises InputError; malformed single events
        are skipped with a warning."""
        where = "registry notification"
        media_type = content_type.split(";")[0].strip().lower()
        if media_type not in (EVENTS_V1, EVENTS_V2, "application/json"):
            raise InputError(f"unexpected content type {content_type[:100]!r}", where=where)
        if len(body) > _MAX_BODY:
            raise InputError(f"envelope larger than {_MAX_BODY} bytes", where=where)
        try:
            doc = load_json(body, where=where, what="envelope")
        except DocumentError as exc:  # also too deep, huge integers
            raise InputError(exc.message, where=where) from None
        events = doc.get("events") if isinstance(doc, dict) else None
        if not isinstance(events, list):
            raise InputError("envelope has no 'events' array", where=where)
        rows = [row for row in (_row(e) for e in events) if row is not None]
        with self._connect() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO events (id, action, repository, digest, tag, media_type, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            stored = db.total_changes - before
        log.debug("push log: %d of %d events stored", stored, len(events))
        return stored

    def records(self, repository: str) -> dict[str, PushRecord]:
        """digest -> its first push since its last delete, for every digest of `repository`
        that has not been deleted since."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT action, digest, tag, at FROM events WHERE repository = ? "
                "ORDER BY at, rowid",
                (repository,),
            ).fetchall()
        first: dict[str, tuple[str, list[str]]] = {}
        for action, digest, tag, at in rows:
            if action == "delete":
                first.pop(digest, None)
                continue
            entry = first.setdefault(digest, (at, []))
            if tag and tag not in entry[1]:
                entry[1].append(tag)
        return {
            digest: PushRecord(digest, dt.datetime.fromisoformat(at), tuple(tags))
            for digest, (at, tags) in first.items()
        }


def _row(event: object) -> tuple[str, str, str, str, str | None, str | None, str] | None:
    if not isinstance(event, dict):
        return None
    action = event.get("action")
    target = event.get("target")
    if action not in ("push", "delete") or not isinstance(target, dict):
        return None
    digest, repository = target.get("digest"), target.get("repository")
    media_type = target.get("mediaType")
    url = target.get("url")
    if not isinstance(digest, str) or not digest.startswith("sha256:"):
        return None  # tag deletions carry no digest; they follow the manifest delete
    if action == "push" and not (
        (isinstance(url, str) and "/manifests/" in url)
        or (isinstance(media_type, str) and "manifest" in media_type)
        or (isinstance(media_type, str) and "image.index" in media_type)
    ):
        return None  # a blob
    moment = _parse_time(event.get("timestamp"))
    event_id = event.get("id")
    if not isinstance(repository, str) or moment is None:
        log.warning("push log: skipping an event without repository or timestamp")
        return None
    tag = target.get("tag")
    if not isinstance(event_id, str) or not event_id:
        event_id = f"{action}:{repository}:{digest}:{tag}:{_utc_text(moment)}"
    return (
        event_id,
        action,
        repository,
        digest,
        tag if isinstance(tag, str) else None,
        media_type if isinstance(media_type, str) else None,
        _utc_text(moment),
    )
