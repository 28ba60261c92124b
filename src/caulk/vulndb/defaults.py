"""The store a scan uses when the user configured nothing, built from the embedded real data.

`load_store(path)` picks, in order: an explicit path, `$CAULK_DB`, the user's database
(`~/.cache/caulk/vulndb.sqlite`) when it exists, else `default_store()`.
"""

from __future__ import annotations

import hashlib
import logging
import os
from importlib import resources
from pathlib import Path

from caulk.vulndb.paths import cache_dir, default_db_path
from caulk.vulndb.store import SCHEMA_VERSION, SourceFile, SqliteStore, build_store, open_store

__all__ = ["default_store", "embedded_sources", "load_store"]

log = logging.getLogger(__name__)


def embedded_sources() -> list[SourceFile]:
    root = Path(str(resources.files("caulk") / "data" / "advisories"))
    return [SourceFile(f"embedded/{p.name}", p) for p in sorted(root.glob("*.zip"))]


def _digest(sources: list[SourceFile]) -> str:
    digest = hashlib.sha256(f"schema {SCHEMA_VERSION}\n".encode())
    for source in sources:
        digest.update(f"{source.location}\n".encode())
        digest.update(source.path.read_bytes())
    return digest.hexdigest()[:16]


def default_store() -> SqliteStore:
    """Open (building it on first use) the database of the embedded advisory subset."""
    sources = embedded_sources()
    folder = cache_dir()
    path = folder / f"vulndb-embedded-{_digest(sources)}.sqlite"
    if not path.is_file():
        log.info("building the embedded advisory database at %s", path)
        build_store(path, sources)
        for old in folder.glob("vulndb-embedded-*.sqlite*"):
            if not old.name.startswith(path.name):
                old.unlink(missing_ok=True)  # readers of an old file keep their open handle
    return open_store(path)


def load_store(path: Path | None = None) -> SqliteStore:
    if path is not None:
        return open_store(path)
    if os.environ.get("CAULK_DB") or default_db_path().is_file():
        return open_store(default_db_path())
    return default_store()
