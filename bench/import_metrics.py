"""Importing 300,000 NVD CVE records (target < 60 s, < 500 MB RSS) vs. parsing them alone, and
what the loaded metrics cost matching (target: < 10 % more).

    .venv/bin/python bench/import_metrics.py [--records N] [--repeat N] [--record]

Feed: an NVD 2.0 per-year feed (gzip) of N records generated from the 10 real NVD records of
tests/fixtures/metrics, each with a distinct CVE id, one of the 273 distinct real CVSS v3.1 vectors
of the embedded CVE 5 records, its real description and references padded to ~1.2 kB
(`tests/support/nvd_feed.py`); plus a FIRST EPSS CSV.gz of N rows for the same ids.
- import: `build_store` of the NVD feed in a child process (its own peak RSS), best of `repeat`;
  floor: the same child only gunzips and parses the items with ijson (no scoring, no SQLite);
- epss: `build_store` of the EPSS CSV;
- matching: `match_inventory` over 1,000 real packages (match_speed's packages of ecosystems
  the embedded data covers, Debian 11 and PyPI, cycled: every one is evaluated) against the
  embedded advisories alone, then with the N NVD records, the EPSS rows, the real KEV excerpt and
  the embedded vulnrichment records loaded; best of `--match-repeat`, each on a freshly opened
  store (cold: nothing cached) and warm, the two stores measured in turn, in CPU seconds of the
  process (wall time on a loaded shared machine varied 0.5x-2.6x between identical runs).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, machine, record_row, run

IMPORT_TARGET_S = 60.0
IMPORT_TARGET_MB = 500
MATCH_TARGET = 1.10
CHILD_IMPORT = """
import sys
from pathlib import Path
from caulk.vulndb.store import SourceFile, build_store
(report,) = build_store(Path(sys.argv[2]), [SourceFile(sys.argv[1], Path(sys.argv[1]))])
print(report.imported, report.skipped)
"""
CHILD_PARSE = """
import gzip, sys
import ijson
with gzip.open(sys.argv[1], "rb") as fh:
    print(sum(1 for _ in ijson.items(fh, "vulnerabilities.item", use_float=True)))
"""


def _import(feed: Path, work: Path, repeat: int) -> tuple[float, int, str]:
    best: tuple[float, int, str] | None = None
    for n in range(repeat):
        db = work / f"import-{n}.sqlite"
        result = run([sys.executable, "-c", CHILD_IMPORT, feed, db])
        if best is None or result.seconds < best[0]:
            best = (result.seconds, result.max_rss_kib, result.stdout.decode().strip())
        db.unlink()
    assert best is not None
    return best


def _parse_floor(feed: Path, repeat: int) -> float:
    return min(run([sys.executable, "-c", CHILD_PARSE, feed]).seconds for _ in range(repeat))


def _match(dbs: tuple[Path, Path], packages: list, repeat: int) -> list[tuple[float, float, int]]:
    """(cold, warm, vulnerabilities) per database, best of `repeat`, the two measured in turn;
    CPU seconds of this process (matching is single-threaded and does no I/O wait worth counting),
    so the other users of a shared machine do not show up as growth."""
    from caulk.catalog.interface import Inventory
    from caulk.match.matcher import match_inventory
    from caulk.vulndb.store import open_store

    work = tuple(itertools.islice(itertools.cycle(packages), 1000))
    inventory = Inventory(distro=None, packages=work)
    cold: list[list[float]] = [[], []]
    warm: list[list[float]] = [[], []]
    found = [0, 0]
    for _ in range(repeat):
        for i, db in enumerate(dbs):
            store = open_store(db)
            start = time.process_time()
            found[i] = len(match_inventory(inventory, store).vulnerabilities)
            cold[i].append(time.process_time() - start)
            start = time.process_time()
            match_inventory(inventory, store)
            warm[i].append(time.process_time() - start)
            store.close()
    return [(min(cold[i]), min(warm[i]), found[i]) for i in range(2)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3, help="imports (best kept)")
    parser.add_argument("--match-repeat", type=int, default=15, help="matching runs (best kept)")
    parser.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = parser.parse_args()

    from match_speed import real_packages
    from tests.support.nvd_feed import write_epss, write_nvd_feed

    from caulk.vulndb import embedded_sources
    from caulk.vulndb.metrics.reader import detect_kind
    from caulk.vulndb.store import SourceFile, build_store

    with tempfile.TemporaryDirectory(prefix="caulk-bench-metrics-") as tmp:
        work = Path(tmp)
        feed, epss = work / "nvdcve-2.0-bench.json.gz", work / "epss_scores-bench.csv.gz"
        start = time.perf_counter()
        size = write_nvd_feed(feed, args.records)
        write_epss(epss, args.records)
        print(
            f"feed: {args.records} NVD records, {size / 1e6:.0f} MB JSON "
            f"({feed.stat().st_size / 1e6:.0f} MB gzip), "
            f"written in {time.perf_counter() - start:.0f} s"
        )
        seconds, rss_kb, counts = _import(feed, work, args.repeat)
        floor = _parse_floor(feed, args.repeat)
        ok = seconds < IMPORT_TARGET_S and rss_kb / 1024 < IMPORT_TARGET_MB
        print(f"  floor: gunzip + ijson items     {floor:7.1f} s")
        print(
            f"  import (imported, skipped: {counts})  {seconds:7.1f} s  "
            f"{rss_kb / 1024:.0f} MB RSS  "
            f"{seconds / floor:.2f}x floor; target < {IMPORT_TARGET_S:.0f} s and "
            f"< {IMPORT_TARGET_MB} MB: {'met' if ok else 'MISSED'}"
        )
        epss_s, epss_kb, epss_counts = _import(epss, work, 1)
        print(f"  epss import ({epss_counts})  {epss_s:7.1f} s  {epss_kb / 1024:.0f} MB RSS")

        advisories = [s for s in embedded_sources() if detect_kind(s.path) is None]
        metrics = [s for s in embedded_sources() if detect_kind(s.path) is not None]
        plain, loaded = work / "advisories.sqlite", work / "loaded.sqlite"
        build_store(plain, advisories)
        kev = REPO / "tests" / "fixtures" / "metrics" / "kev-excerpt.json"
        extra = [SourceFile(str(feed), feed), SourceFile(str(epss), epss), SourceFile("kev", kev)]
        build_store(loaded, [*advisories, *metrics, *extra])
        packages = real_packages(("bullseye", "bookworm-tools", "trixie"), bench_image=False)
        from caulk.vulndb.store import open_store

        covered = set(open_store(plain).ecosystems())
        packages = [p for p in packages if p.ecosystem in covered]  # every one is evaluated
        (base_cold, base_warm, base_found), (with_cold, with_warm, with_found) = _match(
            (plain, loaded), packages, args.match_repeat
        )
        growth = with_cold / base_cold
        print(f"matching 1,000 real packages ({len(packages)} distinct, all with advisories):")
        print(
            f"  advisories only        cold {base_cold:.3f} s  warm {base_warm:.3f} s"
            f"  ({base_found} vulns)"
        )
        print(
            f"  + metrics, KEV, EPSS   cold {with_cold:.3f} s  warm {with_warm:.3f} s"
            f"  ({with_found} vulns)"
            f"  cold {growth:.2f}x, warm {with_warm / base_warm:.2f}x;"
            f" target < {MATCH_TARGET:.2f}x:"
            f" {'met' if growth < MATCH_TARGET else 'MISSED'}"
        )
        if args.record:
            cells = [
                f"{args.records}",
                f"{size / 1e6:.0f}",
                f"{floor:.1f}",
                f"{seconds:.1f}",
                f"{rss_kb / 1024:.0f}",
                f"{seconds / floor:.2f}x",
                f"{epss_s:.1f}",
                f"{base_cold:.3f} / {base_warm:.3f}",
                f"{with_cold:.3f} / {with_warm:.3f}",
                f"{growth:.2f}x / {with_warm / base_warm:.2f}x",
            ]
            record_row("import_metrics", f"| {' | '.join([machine(), *cells])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
