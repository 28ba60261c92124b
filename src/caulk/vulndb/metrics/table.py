"""The metrics tables of the SQLite store: created beside the advisory tables (also in databases
built before they existed), filled by `insert_rows`, read by `lookup`.

    cve_cvss (cve, origin, kind, vector, score, source)
    cve_ssvc (cve, origin, exploitation, automatable, technical_impact, source)
    cve_kev  (cve, date_added, due_date, ransomware, origin, source)
    cve_epss (cve, epss, percentile, score_date, source)

`source` is the import location, so re-importing a location replaces exactly its rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from caulk.vulndb.metrics.interface import (
    CveSignals,
    CvssMetric,
    EpssScore,
    KevEntry,
    SsvcDecision,
)

__all__ = ["INDEXES", "SCHEMA", "TABLES", "delete_source", "insert_rows", "lookup"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS cve_cvss (cve TEXT NOT NULL, origin TEXT NOT NULL, kind TEXT NOT NULL,
    vector TEXT NOT NULL, score REAL NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cve_ssvc (cve TEXT NOT NULL, origin TEXT NOT NULL,
    exploitation TEXT NOT NULL, automatable TEXT NOT NULL, technical_impact TEXT NOT NULL,
    source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cve_kev (cve TEXT NOT NULL, date_added TEXT NOT NULL, due_date TEXT,
    ransomware TEXT, origin TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cve_epss (cve TEXT NOT NULL, epss REAL NOT NULL,
    percentile REAL NOT NULL, score_date TEXT, source TEXT NOT NULL);
"""
TABLES = ("cve_cvss", "cve_ssvc", "cve_kev", "cve_epss")
INDEXES = "\n".join(
    f"CREATE INDEX IF NOT EXISTS {t}_cve ON {t} (cve);\n"
    f"CREATE INDEX IF NOT EXISTS {t}_source ON {t} (source);"
    for t in TABLES
)
_BATCH = 5000

Rows = Callable[[str, Sequence[object]], list[tuple[Any, ...]]]


def delete_source(conn: sqlite3.Connection, location: str) -> None:
    for table in TABLES:
        conn.execute(f"DELETE FROM {table} WHERE source = ?", (location,))  # noqa: S608


def insert_rows(conn: sqlite3.Connection, rows: Iterable[object], location: str) -> None:
    batches: dict[str, list[tuple[object, ...]]] = {t: [] for t in TABLES}

    def flush(table: str) -> None:
        if batches[table]:
            marks = ", ".join("?" * len(batches[table][0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", batches[table])  # noqa: S608
            batches[table].clear()

    for row in rows:
        values: tuple[object, ...]
        if isinstance(row, CvssMetric):
            table, values = "cve_cvss", (row.cve, row.origin, row.kind, row.vector, row.score)
        elif isinstance(row, SsvcDecision):
            table = "cve_ssvc"
            values = (row.cve, row.origin, row.exploitation, row.automatable, row.technical_impact)
        elif isinstance(row, KevEntry):
            table = "cve_kev"
            values = (row.cve, row.date_added, row.due_date, row.ransomware, row.origin)
        elif isinstance(row, EpssScore):
            table, values = "cve_epss", (row.cve, row.epss, row.percentile, row.score_date)
        else:
            raise TypeError(f"not a metrics row: {row!r}")
        batches[table].append((*values, location))
        if len(batches[table]) >= _BATCH:
            flush(table)
    for table in TABLES:
        flush(table)


def lookup(rows: Rows, cve: str) -> CveSignals:
    """Every signal for `cve` (duplicates from several sources folded; the newest EPSS wins)."""
    cvss = tuple(
        dict.fromkeys(
            CvssMetric(cve, str(o), str(k), str(v), float(s))
            for o, k, v, s in rows(
                "SELECT origin, kind, vector, score FROM cve_cvss WHERE cve = ?"
                " ORDER BY origin, kind, score DESC, vector",
                (cve,),
            )
        )
    )
    ssvc = tuple(
        dict.fromkeys(
            SsvcDecision(cve, str(o), str(e), str(a), str(t))
            for o, e, a, t in rows(
                "SELECT origin, exploitation, automatable, technical_impact FROM cve_ssvc"
                " WHERE cve = ? ORDER BY origin",
                (cve,),
            )
        )
    )
    kev_rows = rows(
        "SELECT date_added, due_date, ransomware, origin FROM cve_kev WHERE cve = ?"
        " ORDER BY origin = 'cisa-kev' DESC, date_added",
        (cve,),
    )
    kev = None
    if kev_rows:
        added, due, ransomware, origin = kev_rows[0]
        kev = KevEntry(cve, str(added), due, ransomware, str(origin))
    epss_rows = rows(
        "SELECT epss, percentile, score_date FROM cve_epss WHERE cve = ?"
        " ORDER BY score_date DESC, rowid DESC LIMIT 1",
        (cve,),
    )
    epss = (
        EpssScore(cve, float(epss_rows[0][0]), float(epss_rows[0][1]), epss_rows[0][2])
        if epss_rows
        else None
    )
    return CveSignals(cve, cvss, ssvc, kev, epss)
