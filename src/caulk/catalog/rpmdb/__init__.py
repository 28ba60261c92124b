"""Pure-Python readers of the three rpm database formats (SQLite, Berkeley DB hash, NDB) and of
the rpm header blobs they store."""

from __future__ import annotations

from caulk.catalog.rpmdb.bdb import read_bdb
from caulk.catalog.rpmdb.header import RpmHeader, parse_header
from caulk.catalog.rpmdb.ndb import read_ndb
from caulk.catalog.rpmdb.sqlite import read_sqlite

__all__ = ["RpmHeader", "parse_header", "read_bdb", "read_ndb", "read_sqlite"]
