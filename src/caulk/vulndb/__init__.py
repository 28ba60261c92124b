"""caulk.vulndb: advisory importers, the local SQLite store and its read-only query API.

from caulk.vulndb import load_store, normalize_name
store = load_store()            # user DB if imported, else the embedded real data
for adv, affected in store.affecting("PyPI", normalize_name("PyPI", "PyYAML")): ...
"""

from caulk.vulndb.defaults import default_store, embedded_sources, load_store
from caulk.vulndb.interface import (
    Advisory,
    AdvisoryStore,
    Affected,
    AffectedRange,
    DistroStatus,
    ImportReport,
    RangeEvent,
    SeverityScore,
)
from caulk.vulndb.names import normalize_name
from caulk.vulndb.paths import default_db_path
from caulk.vulndb.store import SourceFile, SqliteStore, build_store, open_store

__all__ = [
    "Advisory",
    "AdvisoryStore",
    "Affected",
    "AffectedRange",
    "DistroStatus",
    "ImportReport",
    "RangeEvent",
    "SeverityScore",
    "SourceFile",
    "SqliteStore",
    "build_store",
    "default_db_path",
    "default_store",
    "embedded_sources",
    "load_store",
    "normalize_name",
    "open_store",
]
