"""Benchmark: import ALL shared advisory data into a fresh SQLite store (target < 20 s).

    .venv/bin/python bench/db_import.py [ADVISORIES_DIR]   # default ../shared/data/advisories

Prints the import time, records/s, and the ratio against a floor measured in the same run: reading
and parsing (json / libyaml, the same parsers the importer uses; for the DSA/DLA text lists just
splitting lines) every file, with nothing else.
Then times queries against the built store.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from caulk.vulndb.store import SourceFile, build_store, open_store

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "advisories"
SOURCES = ("go-vulndb", "pypa/vulns", "debian-osv", "alpine-secdb", "debian-tracker-lists")


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
                elif name.endswith(".list"):  # DSA/DLA lists: the floor is decoding the lines
                    path.read_bytes().decode().splitlines()
                else:
                    continue
                documents += 1
    return time.perf_counter() - start, documents


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    floor, documents = parse_floor(root)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "vulndb.sqlite"
        start = time.perf_counter()
        reports = build_store(db, [SourceFile(str(root / s), root / s) for s in SOURCES])
        took = time.perf_counter() - start
        records = sum(r.imported for r in reports)
        skipped = sum(r.skipped for r in reports)
        size = db.stat().st_size
        store = open_store(db)
        queries = [
            ("PyPI", "django"),
            ("Go", "stdlib"),
            ("Debian:11", "openssl"),
            ("Alpine:v3.11", "musl"),
        ]
        start = time.perf_counter()
        for _ in range(250):
            for eco, name in queries:
                list(store.affecting(eco, name))
        per_query = (time.perf_counter() - start) / 1000
    print(f"sources: {', '.join(SOURCES)} under {root}")
    print(f"floor (read + parse {documents} documents): {floor:.2f} s")
    print(
        f"import: {took:.2f} s, {records} records ({skipped} skipped),"
        f" {records / took:,.0f} records/s"
    )
    print(f"ratio import / floor: {took / floor:.2f}x   (target: import < 20 s)")
    print(
        f"database: {size / 1e6:.1f} MB; affecting() query: {per_query * 1e3:.3f} ms (warm, mixed)"
    )


if __name__ == "__main__":
    main()
