"""rpm ≥ 4.16's `rpmdb.sqlite`: header blobs in the `Packages` table, read from bytes (a database
in WAL mode is read as a rollback-journal one; rpm checkpoints the WAL when it closes)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

__all__ = ["read_sqlite"]

SQLITE_MAGIC = b"SQLite format 3\0"


def read_sqlite(data: bytes) -> Iterator[bytes]:
    """Every header blob; raises ValueError when the database is not readable."""
    if not data.startswith(SQLITE_MAGIC):
        raise ValueError("not an SQLite database")
    if data[18:20] == b"\x02\x02":  # WAL mode cannot be deserialized: read as rollback-journal
        data = data[:18] + b"\x01\x01" + data[20:]
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(data)
        rows = conn.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
    except sqlite3.Error as exc:
        raise ValueError(f"unreadable rpm SQLite database ({exc})") from None
    finally:
        conn.close()
    for _hnum, blob in rows:
        if not isinstance(blob, bytes):
            raise ValueError("rpm SQLite database with a non-blob header")
        yield blob
