"""Matching 1,000 real packages against the embedded advisory store (target < 0.2 s), vs. the bare
store lookups of the same packages.

    .venv/bin/python bench/match_speed.py [--repeat N] [--record]

Packages: every distinct (ecosystem, name, version) caulk catalogues in the real test images
(bullseye, bookworm-tools, trixie, bookworm-pip-npm, the scan_vulns image with its old PyPI and npm
packages, the demo image): Debian 11/12/13 packages with their source names, PyPI, npm. They are
fewer than 1,000, so the list is repeated up to 1,000 (as when several images share packages).
- mixed: that list; most packages are in ecosystems the embedded subset has no data for (Debian
  12/13, npm), which is what a real scan meets too: a lookup that finds nothing;
- advisories: only the packages of ecosystems the store covers (Debian 11, PyPI), repeated up to
  1,000: every one is evaluated against real ranges (dpkg and PEP 440 rules, aliases, severity).
Floor: `store.affecting(ecosystem, name)` for the same packages, materialised, nothing else.
Cold = the first match with a freshly opened store (decoded-advisory cache empty); warm = best of
`repeat`. `--record` appends a row to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date

from common import REPO, machine, record_row

TARGET = 0.2
COUNT = 1000
IMAGES = ("bullseye", "bookworm-tools", "trixie", "bookworm-pip-npm")


def real_packages(images: tuple[str, ...] = IMAGES, bench_image: bool = True) -> list:
    """Distinct packages of the real images, in image order (layers read through the cache)."""
    from scan_vulns import ensure_bench_image
    from tests.images.build import ensure_image

    from caulk.catalog import analyzers_for, build_inventory
    from caulk.fs.cache import LayerCache
    from caulk.fs.view import build_view
    from caulk.source import open_image

    refs = [f"oci:{ensure_image(name)}:latest" for name in images]
    refs += [f"oci:{ensure_bench_image()}:latest"] if bench_image else []
    refs += [f"oci:{REPO / 'examples' / 'demo-image'}:latest"]
    cache = LayerCache.open_default()
    seen: dict[tuple[str, str, str], object] = {}
    for ref in refs:
        with open_image(ref) as image:
            view = build_view(image, analyzers_for(), cache=cache)
            for package in build_inventory(view, date.today()).packages:
                seen.setdefault((package.ecosystem, package.name, package.version), package)
    return list(seen.values())


def _timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(label: str, packages: Sequence, db: object, repeat: int) -> dict[str, float]:
    from caulk.catalog.interface import Inventory
    from caulk.match.matcher import match_inventory
    from caulk.vulndb.names import normalize_name
    from caulk.vulndb.store import open_store

    work = list(itertools.islice(itertools.cycle(packages), COUNT))
    inventory = Inventory(distro=None, packages=tuple(work))
    store = open_store(db)  # type: ignore[arg-type]
    start = time.perf_counter()
    result = match_inventory(inventory, store)
    cold = time.perf_counter() - start
    warm = _timed(lambda: match_inventory(inventory, store), repeat)

    def lookups() -> None:
        for p in work:
            list(store.affecting(p.ecosystem, normalize_name(p.ecosystem, p.match_name)))

    floor = _timed(lookups, repeat)
    rows = sum(
        len(list(store.affecting(p.ecosystem, normalize_name(p.ecosystem, p.match_name))))
        for p in work
    )
    distinct = len({(p.ecosystem, p.name, p.version) for p in work})
    print(
        f"{label:<11} {COUNT} packages ({distinct} distinct), {rows} advisory rows evaluated, "
        f"{len(result.vulnerabilities)} vulnerabilities"
    )
    print(f"  floor: store lookups only     {floor:7.3f} s")
    note = f"{warm / floor:.2f}x floor, target < {TARGET} s: {'met' if warm < TARGET else 'MISSED'}"
    print(f"  match_inventory, warm         {warm:7.3f} s  {note}")
    print(f"  match_inventory, cold         {cold:7.3f} s  (fresh store: advisories decoded)")
    return {
        "floor": floor,
        "warm": warm,
        "cold": cold,
        "rows": rows,
        "vulns": len(result.vulnerabilities),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best kept)")
    parser.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = parser.parse_args()

    from caulk.vulndb import default_store

    start = time.perf_counter()
    packages = real_packages()
    db = default_store().path
    covered = set(default_store().ecosystems())
    with_data = [p for p in packages if p.ecosystem in covered]
    ecosystems = sorted({p.ecosystem for p in packages})
    print(
        f"{len(packages)} distinct real packages ({', '.join(ecosystems)}); {len(with_data)} in"
        f" ecosystems the embedded store covers (ready in {time.perf_counter() - start:.1f} s)"
    )
    mixed = measure("mixed", packages, db, args.repeat)
    hits = measure("advisories", with_data, db, args.repeat)
    if args.record:
        cells = [
            f"{len(packages)} / {len(with_data)}",
            *(f"{m[k]:.3f}" for m in (mixed, hits) for k in ("floor", "warm", "cold")),
            f"{hits['rows']}",
            f"{hits['warm'] / hits['floor']:.2f}x",
        ]
        record_row("match_speed", f"| {' | '.join([machine(), *cells])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
