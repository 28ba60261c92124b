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


_LOOKUP = """
SELECT 'c', origin, kind, vector, score FROM cve_cvss WHERE cve = ?1
UNION ALL SELECT 's', origin, exploitation, automatable, technical_impact FROM cve_ssvc
    WHERE cve = ?1
UNION ALL SELECT 'k', date_added, due_date, ransomware, origin FROM cve_kev WHERE cve = ?1
UNION ALL SELECT 'e', epss, percentile, score_date, rowid FROM cve_epss WHERE cve = ?1
"""


def lookup(rows: Rows, cve: str) -> CveSignals:
    """Every signal for `cve`, in one query (duplicates from several sources folded; the KEV
    catalog's own entry before an ADP's copy; the newest EPSS wins)."""
    cvss: dict[CvssMetric, None] = {}
    ssvc: dict[SsvcDecision, None] = {}
    kev: list[KevEntry] = []
    epss: list[tuple[str, int, EpssScore]] = []
    for tag, a, b, c, d in rows(_LOOKUP, (cve,)):
        if tag == "c":
            cvss[CvssMetric(cve, str(a), str(b), str(c), float(d))] = None
        elif tag == "s":
            ssvc[SsvcDecision(cve, str(a), str(b), str(c), str(d))] = None
        elif tag == "k":
            kev.append(KevEntry(cve, str(a), b, c, str(d)))
        else:
            epss.append((str(c or ""), int(d), EpssScore(cve, float(a), float(b), c)))
    return CveSignals(
        cve,
        tuple(sorted(cvss, key=lambda m: (m.origin, m.kind, -m.score, m.vector))),
        tuple(sorted(ssvc, key=lambda s: s.origin)),
        min(kev, key=lambda k: (k.origin != "cisa-kev", k.date_added)) if kev else None,
        max(epss, key=lambda e: e[:2])[2] if epss else None,
    )
