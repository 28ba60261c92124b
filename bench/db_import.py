"""Benchmark: import ALL shared advisory data into a fresh SQLite store (target < 20 s).

    .venv/bin/python bench/db_import.py [--advisories DIR] [--repeat N] [--record]

Prints the import time, records/s, and the ratio against a floor measured in the same run: reading
and parsing (json / libyaml, the same parsers the importer uses; for the DSA/DLA text lists just
splitting lines) every file, with nothing else. Then times `affecting()` queries on the built
store. Times are the best of N runs (warm page cache). `--record` adds a row to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from caulk.vulndb.store import SourceFile, build_store, open_store

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "data" / "advisories"
SOURCES = ("go-vulndb", "pypa/vulns", "debian-osv", "alpine-secdb", "debian-tracker-lists")
TARGET_SECONDS = 20.0
QUERIES = [("PyPI", "django"), ("PyPI", "requests"), ("Go", "stdlib"), ("Debian:11", "openssl")]
SECTION = "## db_import — `caulk db import` of all shared advisories vs. parsing them"
HEADER = """
Data: `../shared/data/advisories` (go-vulndb, PyPA, Debian OSV, Alpine secdb, DSA/DLA lists).
Floor: read + `json.loads` / libyaml `CSafeLoader` every file (split lines for the DSA/DLA lists),
nothing else. Import = `build_store` into a fresh file (parse, normalise, encode, insert, index,
fsync, rename). Target: < 20 s. Query = one `affecting()` call, mixed packages, warm.

| machine | records | floor s | import s | import / floor | records/s | DB MB | query ms |
|---|---|---|---|---|---|---|---|
"""


def parse_floor(root: Path) -> tuple[float, int]:
    start, documents = time.perf_counter(), 0
    for sub in SOURCES:
        for dirpath, _, files in os.walk(root / sub):
            for name in files:
                path = Path(dirpath, name)
                if name.endswith(".json"):
                    json.loads(path.read_bytes())
                elif name.endswith((".yaml", ".yml")):
                    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
                elif name.endswith(".list"):
                    path.read_bytes().decode().splitlines()
                else:
                    continue
                documents += 1
    return time.perf_counter() - start, documents


def import_once(root: Path) -> tuple[float, int, int, int, float]:
    """(seconds, records, skipped, database bytes, ms per query)"""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "vulndb.sqlite"
        start = time.perf_counter()
        reports = build_store(db, [SourceFile(str(root / s), root / s) for s in SOURCES])
        took = time.perf_counter() - start
        store = open_store(db)
        start = time.perf_counter()
        for _ in range(250):
            for eco, name in QUERIES:
                list(store.affecting(eco, name))
        per_query = (time.perf_counter() - start) / (250 * len(QUERIES)) * 1e3
        store.close()
        records = sum(r.imported for r in reports)
        return took, records, sum(r.skipped for r in reports), db.stat().st_size, per_query


def record(row: str) -> None:
    results = REPO / "bench" / "RESULTS.md"
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n{HEADER}"
    head, _, tail = text.partition(SECTION)
    mine, later = tail, ""
    if "\n## " in tail:  # sections written after this one keep their own tables
        cut = tail.index("\n## ")
        mine, later = tail[:cut], tail[cut:]
    lines = mine.split("\n")
    last = max(i for i, line in enumerate(lines) if line.startswith("|"))
    lines.insert(last + 1, row)  # after the last row of this section's table
    results.write_text(head + SECTION + "\n".join(lines) + later)
    print("recorded in bench/RESULTS.md")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--advisories", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="add a row to bench/RESULTS.md")
    args = parser.parse_args()
    root: Path = args.advisories
    if not root.is_dir():
        print(f"no advisories at {root}", file=sys.stderr)
        return 1
    floor, documents = min(parse_floor(root) for _ in range(args.repeat))
    took, records, skipped, size, per_query = min(import_once(root) for _ in range(args.repeat))
    ratio, rate = took / floor, records / took
    verdict = "met" if took < TARGET_SECONDS else "MISSED"
    print(f"sources: {', '.join(SOURCES)} under {root}")
    print(f"floor  (read + parse {documents} files): {floor:6.2f} s")
    print(f"import ({records} records, {skipped} skipped): {took:6.2f} s, {rate:,.0f} records/s")
    print(f"import / floor: {ratio:.2f}x; target import < {TARGET_SECONDS:.0f} s: {verdict}")
    print(f"database {size / 1e6:.1f} MB; affecting() {per_query:.3f} ms per query (warm)")
    if args.record:
        from common import machine  # bench/common.py, shared by the benchmarks

        cells = [machine(), records, f"{floor:.2f}", f"{took:.2f}", f"{ratio:.2f}x", f"{rate:,.0f}"]
        cells += [f"{size / 1e6:.1f}", f"{per_query:.3f}"]
        record("| " + " | ".join(map(str, cells)) + " |")
    return 0 if took < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
