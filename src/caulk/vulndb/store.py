"""The SQLite advisory store: built by imports into a new file that atomically replaces the old one,
read by any number of processes through read-only connections.

Tables: `meta` (schema version, build time), `sources` (one row per imported path/URL: import time,
record counts, sha256, report), `advisories` (one compact JSON blob per record, see `codec`),
`affected` (canonical ecosystem (`vulndb.ecosystems`), normalised name → advisory, index into its
`affected` tuple).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caulk import __version__
from caulk.errors import AdvisoryFormatError, DatabaseError
from caulk.localfiles import check_trusted, temp_path, untrusted_reason
from caulk.vulndb.codec import decode_advisory, encode_advisory
from caulk.vulndb.dates import format_utc, parse_utc, record_date
from caulk.vulndb.ecosystems import canonical_ecosystem
from caulk.vulndb.interface import Advisory, Affected, ImportReport, SourceFreshness
from caulk.vulndb.metrics import table as metrics_table
from caulk.vulndb.metrics.interface import METRIC_KINDS, CveSignals
from caulk.vulndb.metrics.reader import MetricsReader, detect_kind, looks_like_html
from caulk.vulndb.names import normalize_name
from caulk.vulndb.sources import SourceReader

__all__ = [
    "SCHEMA_VERSION",
    "SourceFile",
    "SourceInfo",
    "SqliteStore",
    "build_store",
    "open_store",
]

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
_BATCH = 2000
_DECODED_CACHE = 4096

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    location TEXT PRIMARY KEY, kinds TEXT NOT NULL, imported_at TEXT NOT NULL,
    records INTEGER NOT NULL, skipped INTEGER NOT NULL, duplicates INTEGER NOT NULL,
    sha256 TEXT NOT NULL, report TEXT NOT NULL);
CREATE TABLE advisories (
    rowid INTEGER PRIMARY KEY, source TEXT NOT NULL, id TEXT NOT NULL, withdrawn INTEGER NOT NULL,
    blob TEXT NOT NULL);
CREATE TABLE affected (ecosystem TEXT NOT NULL, name TEXT NOT NULL, advisory INTEGER NOT NULL,
    idx INTEGER NOT NULL);
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS affected_pkg ON affected (ecosystem, name);
CREATE INDEX IF NOT EXISTS advisories_id ON advisories (id);
CREATE INDEX IF NOT EXISTS advisories_source ON advisories (source);
"""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One import source: `location` is what the user named (path or URL, the key in `sources`),
    `path` the local file or directory holding it."""

    location: str
    path: Path
    feed_timestamp: str | None = None  # the download's Last-Modified, when fetched over HTTP
    kind: str | None = None  # a metrics kind (nvd, cve5, kev, epss); None: detected


@dataclass(frozen=True, slots=True)
class SourceInfo:
    location: str
    kinds: tuple[str, ...]
    imported_at: str
    records: int
    skipped: int
    duplicates: int
    sha256: str
    unknown_ecosystems: tuple[str, ...]
    errors: tuple[str, ...]
    # Recorded since caulk learnt data dates; a database built before has them as None/().
    ecosystems: tuple[str, ...] | None = None
    newest_modified: str | None = None
    feed_timestamp: str | None = None

    def freshness(self) -> SourceFreshness:
        basis, date = ("feed timestamp", self.feed_timestamp) if self.feed_timestamp else ("", None)
        if date is None and self.newest_modified:
            basis, date = "newest record", self.newest_modified
        return SourceFreshness(
            location=self.location,
            data_date=date,
            date_basis=basis,
            imported_at=self.imported_at,
            records=self.records,
            ecosystems=self.ecosystems or (),
        )


def _utcnow() -> datetime:
    return datetime.now(UTC)


# -- reading ------------------------------------------------------------------------------------
class SqliteStore:
    """`AdvisoryStore` over one read-only SQLite file. Safe to share between threads."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()
        self._decoded: OrderedDict[int, Advisory] = OrderedDict()
        self._signals: OrderedDict[str, CveSignals] = OrderedDict()
        self._has_metrics: bool | None = None

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                return self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise DatabaseError(
                f"advisory database unreadable: {exc}", where=str(self.path)
            ) from exc

    def _decode(self, rowid: int, blob: str) -> Advisory:
        adv = self._decoded.get(rowid)
        if adv is None:
            adv = decode_advisory(blob)
            self._decoded[rowid] = adv
            if len(self._decoded) > _DECODED_CACHE:
                self._decoded.popitem(last=False)
        return adv

    def affecting(self, ecosystem: str, name: str) -> Iterator[tuple[Advisory, Affected]]:
        rows = self._rows(
            "SELECT a.rowid, a.blob, f.idx FROM affected f"
            " JOIN advisories a ON a.rowid = f.advisory"
            " WHERE f.ecosystem = ? AND f.name = ? AND a.withdrawn = 0"
            " ORDER BY a.id, a.rowid, f.idx",
            (canonical_ecosystem(ecosystem), normalize_name(ecosystem, name)),
        )
        # One record shipped by two sources (a GHSA in two OSV zips) is returned once.
        seen: set[tuple[str, Affected]] = set()
        for rowid, blob, idx in rows:
            adv = self._decode(int(rowid), str(blob))
            aff = adv.affected[int(idx)]
            if (adv.id, aff) not in seen:
                seen.add((adv.id, aff))
                yield adv, aff

    def get(self, advisory_id: str) -> Advisory | None:
        rows = self._rows(
            "SELECT rowid, blob FROM advisories WHERE id = ? ORDER BY rowid", (advisory_id,)
        )
        advs = [self._decode(int(r), str(b)) for r, b in rows]
        if len(advs) <= 1:
            return advs[0] if advs else None
        first = advs[0]  # the same id from several sources: one advisory, every affected entry
        affected = tuple(dict.fromkeys(a for adv in advs for a in adv.affected))
        aliases = tuple(dict.fromkeys(a for adv in advs for a in adv.aliases))
        return Advisory(
            id=first.id,
            source=first.source,
            aliases=aliases,
            related=first.related,
            summary=first.summary,
            details=first.details,
            published=first.published,
            modified=first.modified,
            withdrawn=first.withdrawn,
            severity=first.severity,
            references=first.references,
            affected=affected,
        )

    def signals(self, cve: str) -> CveSignals:
        """CVSS metrics, SSVC, KEV and EPSS known for `cve` (empty in databases without them)."""
        found = self._signals.get(cve)
        if found is not None:
            return found
        if self._has_metrics is None:
            names = {str(r[0]) for r in self._rows("SELECT name FROM sqlite_master", ())}
            self._has_metrics = set(metrics_table.TABLES) <= names
        found = metrics_table.lookup(self._rows, cve) if self._has_metrics else CveSignals(cve)
        self._signals[cve] = found
        if len(self._signals) > _DECODED_CACHE:
            self._signals.popitem(last=False)
        return found

    def ecosystems(self) -> tuple[str, ...]:
        return tuple(
            str(r[0]) for r in self._rows("SELECT DISTINCT ecosystem FROM affected ORDER BY 1")
        )

    def meta(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self._rows("SELECT key, value FROM meta")}

    def count(self) -> tuple[int, int]:
        """(advisories, withdrawn)"""
        row = self._rows("SELECT COUNT(*), COALESCE(SUM(withdrawn), 0) FROM advisories")[0]
        return int(row[0]), int(row[1])

    def sources(self) -> list[SourceInfo]:
        out = []
        for row in self._rows(
            "SELECT location, kinds, imported_at, records, skipped, duplicates, sha256, report"
            " FROM sources ORDER BY location"
        ):
            report = json.loads(str(row[7]))
            out.append(
                SourceInfo(
                    location=str(row[0]),
                    kinds=tuple(str(row[1]).split(",")) if row[1] else (),
                    imported_at=str(row[2]),
                    records=int(row[3]),
                    skipped=int(row[4]),
                    duplicates=int(row[5]),
                    sha256=str(row[6]),
                    unknown_ecosystems=tuple(report.get("unknown_ecosystems", ())),
                    errors=tuple(report.get("errors", ())),
                    ecosystems=_opt_tuple(report.get("ecosystems")),
                    newest_modified=report.get("newest_modified"),
                    feed_timestamp=report.get("feed_timestamp"),
                )
            )
        return out

    def freshness(self) -> tuple[SourceFreshness, ...]:
        infos = self.sources()
        if any(info.ecosystems is None for info in infos):  # built by an older caulk
            found = self._dates_from_records()
            infos = [
                dataclasses.replace(info, **found.get(info.location, {"ecosystems": ()}))
                if info.ecosystems is None
                else info
                for info in infos
            ]
        return tuple(info.freshness() for info in infos)

    def _dates_from_records(self) -> dict[str, dict[str, Any]]:
        """Per source, its ecosystems and newest record date, read from the records (one pass
        over each table, only for databases whose import did not record them)."""
        found: dict[str, dict[str, Any]] = {}
        for source, ecosystem in self._rows(
            "SELECT DISTINCT a.source, f.ecosystem FROM affected f"
            " JOIN advisories a ON a.rowid = f.advisory ORDER BY 1, 2"
        ):
            entry = found.setdefault(str(source), {"ecosystems": ()})
            entry["ecosystems"] += (str(ecosystem),)
        for source, modified, published in self._rows(
            "SELECT source, MAX(json_extract(blob, '$.m')), MAX(json_extract(blob, '$.p'))"
            " FROM advisories GROUP BY source"
        ):
            dates = [d for d in map(record_date, (modified, published)) if d is not None]
            entry = found.setdefault(str(source), {"ecosystems": ()})
            entry["newest_modified"] = format_utc(max(dates)) if dates else None
        return found

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_SIDE_FILES = ("-journal", "-wal", "-shm")  # SQLite reads these beside the database when present


def check_store_trusted(path: Path) -> None:
    """Raise `DatabaseError` when another local user could have written the database at `path`
    (or its directory, or a journal beside it): whoever writes it decides what a scan reports."""
    for candidate in (path, *(Path(f"{path}{side}") for side in _SIDE_FILES)):
        if candidate is not path and not candidate.exists():
            continue
        try:
            check_trusted(candidate)
        except PermissionError as exc:
            raise DatabaseError(
                f"refusing an advisory database another local user could have written: {exc}"
                " (make it and its directory yours and not writable by others to trust it)",
                where=str(path),
            ) from None


def open_store(path: Path) -> SqliteStore:
    """Open a database read-only. Missing, corrupt, foreign or untrusted files raise
    `DatabaseError`."""
    hint = "run `caulk db import PATH…` or `caulk db update`"
    if not path.is_file():
        raise DatabaseError(f"no advisory database here; {hint}", where=str(path))
    check_store_trusted(path)
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"advisory database is corrupt ({exc}); {hint}", where=str(path)
        ) from exc
    if row is None or row[0] != SCHEMA_VERSION:
        conn.close()
        found = row[0] if row else "none"
        raise DatabaseError(
            f"advisory database schema {found}, expected {SCHEMA_VERSION}; {hint}", where=str(path)
        )
    return SqliteStore(path, conn)


def _opt_tuple(value: object) -> tuple[str, ...] | None:
    return tuple(str(v) for v in value) if isinstance(value, list) else None


# -- writing ------------------------------------------------------------------------------------
@contextlib.contextmanager
def _writer_lock(path: Path) -> Iterator[None]:
    """One writer at a time per database (readers never wait: they read whole files). Never in
    a directory another local user could write (they could swap the database after us)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if (reason := untrusted_reason(path.parent.stat())) is not None:
        raise DatabaseError(
            f"refusing to build an advisory database in {path.parent}: it {reason}",
            where=str(path),
        )
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC  # never a planted symlink
    try:
        fd = os.open(f"{path}.lock", flags, 0o644)
    except OSError as exc:
        raise DatabaseError(f"cannot lock: {exc.strerror}", where=f"{path}.lock") from None
    with os.fdopen(fd, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _insert(conn: sqlite3.Connection, reader: SourceReader, next_rowid: int) -> int:
    seen: set[str] = set()
    advisories: list[tuple[int, str, str, int, str]] = []
    affected: list[tuple[str, str, int, int]] = []

    def flush() -> None:
        conn.executemany("INSERT INTO advisories VALUES (?, ?, ?, ?, ?)", advisories)
        conn.executemany("INSERT INTO affected VALUES (?, ?, ?, ?)", affected)
        advisories.clear()
        affected.clear()

    for adv in reader:
        if adv.id in seen:
            reader.tally.duplicates += 1
            reader.tally.imported -= 1
            continue
        seen.add(adv.id)
        reader.tally.observe(adv)
        advisories.append(
            (next_rowid, reader.location, adv.id, int(bool(adv.withdrawn)), encode_advisory(adv))
        )
        if not adv.withdrawn:
            affected.extend(
                (canonical_ecosystem(a.ecosystem), a.name, next_rowid, i)
                for i, a in enumerate(adv.affected)
            )
        next_rowid += 1
        if len(advisories) >= _BATCH:
            flush()
    flush()
    return next_rowid


def _record_source(
    conn: sqlite3.Connection,
    reader: SourceReader | MetricsReader,
    report: ImportReport,
    when: str,
) -> None:
    details: dict[str, object] = {
        "unknown_ecosystems": list(report.unknown_ecosystems),
        "errors": list(report.errors),
    }
    details |= {
        "ecosystems": list(report.ecosystems),
        "newest_modified": report.newest_modified,
        "feed_timestamp": report.feed_timestamp,
    }
    conn.execute(
        "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            reader.location,
            ",".join(sorted(reader.kinds)),
            when,
            report.imported,
            report.skipped,
            report.duplicates,
            reader.sha256,
            json.dumps(details),
        ),
    )


def _prepare(tmp: Path, path: Path, append: bool, replaced: Iterable[str]) -> sqlite3.Connection:
    """A connection to `tmp` inside an open transaction: a fresh schema, or (append) a copy of
    `path` without the rows of the sources about to be re-imported."""
    fresh = not (append and path.is_file())
    if not fresh:
        open_store(path).close()  # refuses a corrupt or foreign file before we copy it
        shutil.copyfile(path, tmp)
    conn = sqlite3.connect(tmp, isolation_level=None)  # transactions are explicit below
    conn.execute("PRAGMA journal_mode = OFF")  # a crash leaves only a temp file behind
    conn.execute("PRAGMA synchronous = OFF")  # fsync once, before the rename
    conn.execute("BEGIN")
    if fresh:
        for statement in (_SCHEMA + metrics_table.SCHEMA).split(";"):
            if statement.strip():
                conn.execute(statement)
        return conn
    for statement in metrics_table.SCHEMA.split(";"):  # databases built before metrics existed
        if statement.strip():
            conn.execute(statement)
    for location in replaced:
        metrics_table.delete_source(conn, location)
        conn.execute(
            "DELETE FROM affected"
            " WHERE advisory IN (SELECT rowid FROM advisories WHERE source = ?)",
            (location,),
        )
        conn.execute("DELETE FROM advisories WHERE source = ?", (location,))
        conn.execute("DELETE FROM sources WHERE location = ?", (location,))
    return conn


def build_store(
    path: Path,
    sources: Sequence[SourceFile],
    *,
    append: bool = False,
    now: Callable[[], datetime] = _utcnow,
) -> list[ImportReport]:
    """Import `sources` into a new database file and atomically move it over `path`.

    With `append`, the sources already in `path` are kept (a re-imported location replaces its old
    rows). Readers of the old file keep reading it until they reopen. Raises `AdvisoryFormatError`
    for an unreadable source (leaving `path` untouched), `DatabaseError` for disk/SQLite failures.
    """
    with _writer_lock(path), temp_path(path.parent, path.name) as claimed:
        tmp = claimed.path
        try:
            reports = _build(tmp, path, sources, append, now)
            for report in reports:
                if report.imported == 0 and report.skipped > 0:
                    first = report.errors[0] if report.errors else "no usable record"
                    raise AdvisoryFormatError(
                        f"every one of its {report.skipped} records was malformed ({first}); "
                        "the database was left as it was",
                        where=report.source,
                    )
            tmp.chmod(0o644)  # created private; the database is for every local reader
            tmp.replace(path)
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except sqlite3.Error as exc:
            raise DatabaseError(
                f"cannot write the advisory database: {exc}", where=str(tmp)
            ) from exc
        finally:
            tmp.unlink(missing_ok=True)
    return reports


def _build(
    tmp: Path, path: Path, sources: Sequence[SourceFile], append: bool, now: Callable[[], datetime]
) -> list[ImportReport]:
    sources = list({s.location: s for s in sources}.values())  # a location named twice: once
    conn = _prepare(tmp, path, append, [s.location for s in sources])
    try:
        next_rowid = int(
            conn.execute("SELECT COALESCE(MAX(rowid), 0) + 1 FROM advisories").fetchone()[0]
        )
        when = now().isoformat(timespec="seconds")
        reports = []
        for source in sources:
            reader: SourceReader | MetricsReader
            kind = _metrics_kind(source)
            if kind is not None:
                reader = MetricsReader(source.location, source.path, kind)
            else:
                reader = SourceReader(source.location, source.path)
            reader.tally.not_after = now()
            reader.tally.feed_timestamp = parse_utc(source.feed_timestamp)  # content may override
            if isinstance(reader, MetricsReader):
                metrics_table.insert_rows(conn, reader, source.location)
            else:
                next_rowid = _insert(conn, reader, next_rowid)
            report = reader.tally.report()
            _record_source(conn, reader, report, when)
            reports.append(report)
            log.info(
                "imported %s: %d records, %d skipped",
                source.location,
                report.imported,
                report.skipped,
            )
        meta = {"schema_version": SCHEMA_VERSION, "built_at": when, "caulk_version": __version__}
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        conn.executescript(
            _INDEXES + metrics_table.INDEXES
        )  # executescript commits first: indexes built once, after the rows
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    return reports


def _metrics_kind(source: SourceFile) -> str | None:
    """The metrics kind named or detected for `source`; None for an advisory source."""
    if source.kind is not None:
        if source.kind not in METRIC_KINDS:
            raise AdvisoryFormatError(
                f"unknown kind {source.kind!r} (expected one of {', '.join(METRIC_KINDS)})",
                where=source.location,
            )
        return source.kind
    if looks_like_html(source.path):
        raise AdvisoryFormatError(
            "is an HTML page, not an advisory or metrics feed (an error or login page?);"
            " the database was left as it was",
            where=source.location,
        )
    return detect_kind(source.path)
