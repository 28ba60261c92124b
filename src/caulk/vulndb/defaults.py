"""The store a scan uses when the user configured nothing, built from the embedded real data.

`load_store(path)` picks, in order: an explicit path, `$CAULK_DB`, the user's database
(`~/.cache/caulk/vulndb.sqlite`) when it exists, else `default_store()`.

The embedded files are listed in `caulk/data/advisories/manifest.json` (written by
`caulk.vulndb.embed`), each with its `kind`: `advisories` files are imported by `build_store`;
any other kind is imported by the function registered for it in `LOADERS`, into the same database
before it is published. Adding a kind of embedded data is one `Pack` line in `embed.py` plus its
loader here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from caulk.errors import DatabaseError
from caulk.vulndb.metrics.interface import METRIC_KINDS
from caulk.vulndb.paths import cache_dir, default_db_path
from caulk.vulndb.store import SCHEMA_VERSION, SourceFile, SqliteStore, build_store, open_store

__all__ = [
    "DROPPED_META",
    "EMBEDDED_PREFIX",
    "LOADERS",
    "EmbeddedFile",
    "default_store",
    "embedded_cutoff_line",
    "embedded_files",
    "embedded_notice",
    "embedded_sources",
    "load_store",
]

log = logging.getLogger(__name__)

EMBEDDED_PREFIX = "embedded/"  # the `sources.location` of every embedded file
ADVISORIES = "advisories"
DROPPED_META = "embedded_dropped"  # meta: JSON list of embedded locations no longer in use
# kind → import of that kind's files into a built (not yet published) database file.
LOADERS: dict[str, Callable[[Path, Sequence[Path]], None]] = {}


@dataclass(frozen=True, slots=True)
class EmbeddedFile:
    path: Path
    kind: str
    documents: int
    cutoff: str  # the data's own date: its newest record, or the snapshot it was taken at

    @property
    def location(self) -> str:
        return f"{EMBEDDED_PREFIX}{self.path.name}"


def _data_dir() -> Path:
    return Path(str(resources.files("caulk") / "data" / "advisories"))


def embedded_files() -> tuple[EmbeddedFile, ...]:
    root = _data_dir()
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        return tuple(
            EmbeddedFile(root / f["file"], f["kind"], int(f["documents"]), f["cutoff"])
            for f in manifest["files"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatabaseError(
            f"the embedded advisory manifest is unreadable ({exc}); reinstall caulk",
            where=str(root / "manifest.json"),
        ) from exc


def embedded_sources() -> list[SourceFile]:
    return [SourceFile(f.location, f.path) for f in embedded_files() if f.kind == ADVISORIES]


def _digest(files: Sequence[EmbeddedFile]) -> str:
    digest = hashlib.sha256(f"schema {SCHEMA_VERSION}\n".encode())
    for file in files:
        digest.update(f"{file.location} {file.kind}\n".encode())
        digest.update(file.path.read_bytes())
    return digest.hexdigest()[:16]


def _write_meta(path: Path, items: dict[str, str]) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", items.items())
    finally:
        conn.close()


def _build(path: Path, files: Sequence[EmbeddedFile]) -> None:
    """Build into a private file, run the other kinds' loaders, then publish it atomically."""
    built_in = {ADVISORIES, *METRIC_KINDS}  # what `build_store` reads itself
    unknown = sorted({f.kind for f in files} - built_in - set(LOADERS))
    if unknown:
        raise DatabaseError(f"no loader for embedded data of kind {', '.join(unknown)}")
    staging = path.with_name(f".{path.name}.{os.getpid()}.staging")
    try:
        build_store(
            staging,
            [
                SourceFile(f.location, f.path, kind=None if f.kind == ADVISORIES else f.kind)
                for f in files
                if f.kind in built_in
            ],
        )
        for kind, loader in LOADERS.items():
            kind_files = [f.path for f in files if f.kind == kind]
            if kind_files:
                loader(staging, kind_files)
        cutoffs = {f.location: f.cutoff for f in files}
        _write_meta(staging, {"embedded_cutoffs": json.dumps(cutoffs, sort_keys=True)})
        staging.replace(path)
    finally:
        staging.unlink(missing_ok=True)
        Path(f"{staging}.lock").unlink(missing_ok=True)


def default_store() -> SqliteStore:
    """Open (building it on first use) the database of the embedded advisory data."""
    files = embedded_files()
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"vulndb-embedded-{_digest(files)}.sqlite"
    if not path.is_file():
        log.info("building the embedded advisory database at %s", path)
        _build(path, files)
        for old in folder.glob("vulndb-embedded-*.sqlite*"):
            if not old.name.startswith(path.name):
                old.unlink(missing_ok=True)  # readers of an old file keep their open handle
    return open_store(path)


def _cutoff_range(cutoffs: dict[str, str]) -> str:
    dates = sorted(set(cutoffs.values()))
    return dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"


def _store_cutoffs(store: SqliteStore) -> dict[str, str]:
    """location → cut-off of the embedded files `store` still holds."""
    meta = store.meta()
    cutoffs: dict[str, str] = json.loads(meta.get("embedded_cutoffs") or "{}")
    dropped = set(json.loads(meta.get(DROPPED_META) or "[]"))  # superseded by fetched feeds
    return {k: v for k, v in cutoffs.items() if k not in dropped}


def embedded_cutoff_line(store: SqliteStore) -> str | None:
    """`cut-off 2020 to 2026-08-21 (alpine-secdb.zip 2020, …)`, or None without embedded data."""
    cutoffs = _store_cutoffs(store)
    if not cutoffs:
        return None
    each = ", ".join(f"{k.removeprefix(EMBEDDED_PREFIX)} {v}" for k, v in sorted(cutoffs.items()))
    return f"cut-off {_cutoff_range(cutoffs)} ({each})"


def embedded_notice(store: SqliteStore) -> str | None:
    """The scan's notice naming the cut-off of the embedded data `store` holds, else None."""
    line = embedded_cutoff_line(store)
    if line is None:
        return None
    return (
        f"matched against caulk's embedded advisory data, {line};"
        " `caulk db update` fetches current data"
    )


def load_store(path: Path | None = None) -> SqliteStore:
    if path is not None:
        return open_store(path)
    if os.environ.get("CAULK_DB") or default_db_path().is_file():
        return open_store(default_db_path())
    return default_store()
