"""Benchmark: the embedded advisory data — wheel size it adds (budget 15 MB) and the first scan's
database build from it (budget 5 s), vs. a floor measured in the same run.

    .venv/bin/python bench/embedded_db.py [--repeat N] [--record]

Build = `default_store()` in a fresh `CAULK_CACHE_DIR` in its own process (import caulk, read the
zips, parse, normalise, encode, insert, index, publish), best of N. Floor = the same process
reading every zip member and parsing it with `json.loads` (splitting lines for the DSA/DLA lists),
nothing else. Wheel = `pip wheel . --no-deps`; data = the compressed size of
`caulk/data/advisories/*` inside it.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from common import REPO, best, machine, record_row, run

BUDGET_SECONDS = 5.0
BUDGET_MB = 15.0
SECTION = "embedded_db"
HEADER = """
## embedded_db — the embedded advisory data: wheel size and the first scan's database build

Data: every record of PyPA, Go vulndb, the Debian DSA/DLA lists and Alpine secdb
(`src/caulk/data/advisories/`). Build = `default_store()` in a fresh `CAULK_CACHE_DIR`, own process,
best of N. Floor = the same process reading every zip member and `json.loads` (lines split for the
DSA/DLA lists), nothing else. Data = compressed size of `caulk/data/advisories/*` in the
wheel. Budgets: build ≤ 5 s, data ≤ 15 MB. CPU = the build process's user + system time (what the
wall time approaches on an idle machine; the shared bench machine is often oversubscribed).

| machine | records | data MB | wheel MB | floor s | build s | build / floor | CPU s | RSS MB |
|---|---|---|---|---|---|---|---|---|
"""

BUILD = """
from caulk.vulndb import default_store
store = default_store()
print(store.count()[0])
"""
FLOOR = """
import json, zipfile
from importlib import resources
from pathlib import Path
import caulk
root = Path(str(resources.files("caulk") / "data" / "advisories"))
n = 0
for path in sorted(root.glob("*.zip")):
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.endswith(".json"):
                json.loads(data)
            else:
                data.decode().splitlines()
            n += 1
print(n)
"""


def wheel_sizes() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, str(REPO)],
            check=True,
        )
        wheel = next(Path(out).glob("caulk-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            data = sum(
                i.compress_size
                for i in archive.infolist()
                if i.filename.startswith("caulk/data/advisories/")
            )
        return data / 1e6, wheel.stat().st_size / 1e6


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="add a row to bench/RESULTS.md")
    args = parser.parse_args()
    data_mb, wheel_mb = wheel_sizes()
    print(f"wheel: {wheel_mb:.2f} MB, of which advisory data {data_mb:.2f} MB (budget {BUDGET_MB})")
    floor = best([run([sys.executable, "-c", FLOOR]) for _ in range(args.repeat)])
    builds, cpu = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            builds.append(run([sys.executable, "-c", BUILD], env={"CAULK_CACHE_DIR": cache}))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    build = best(builds)
    records = int(build.stdout.decode().strip())
    ratio = build.seconds / floor.seconds
    print(
        f"first build: {build.seconds:.2f} s for {records} advisories (budget {BUDGET_SECONDS} s);"
        f" floor {floor.seconds:.2f} s; build / floor {ratio:.2f}x;"
        f" CPU {min(cpu):.2f} s; peak RSS {build.max_rss_kib / 1024:.0f} MB"
    )
    if args.record:
        results = REPO / "bench" / "RESULTS.md"
        if f"## {SECTION}" not in results.read_text():
            results.write_text(results.read_text().rstrip("\n") + "\n" + HEADER)
        record_row(
            SECTION,
            f"| {machine()} | {records} | {data_mb:.2f} | {wheel_mb:.2f} | {floor.seconds:.2f}"
            f" | {build.seconds:.2f} | {ratio:.2f}x | {min(cpu):.2f}"
            f" | {build.max_rss_kib / 1024:.0f} |",
        )
    return 0 if build.seconds <= BUDGET_SECONDS and data_mb <= BUDGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
