"""Layer-cache writes: n entries into an empty cache vs. the same atomic writes without the cache.

    .venv/bin/python bench/cache_writes.py [--entries 2000] [--record]

Issue 9 item 15: each cache write used to list the whole directory (O(n²): 8,000 layers took 248 s
against 20 s uncached). Now the directory is listed once and again only when the bound is passed.
Floor: `mkstemp` + write + `os.replace` of the same sealed bytes into a directory (what any atomic
writer pays). `rescan/write` is the old behaviour measured in the same run: the same writes with a
full `evict()` listing after each one. All runs write into fresh directories on the same disk.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import machine, record_row

from caulk.fs import cache as cache_mod
from caulk.fs.cache import LayerCache


def _value(n: int) -> dict[str, object]:
    return {"n": n, "paths": tuple(f"/usr/lib/x{n}/f{i}" for i in range(20))}


def floor(root: Path, blobs: list[bytes]) -> float:
    start = time.perf_counter()
    for i, blob in enumerate(blobs):
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        Path(tmp).replace(root / f"{i}.lc")
    return time.perf_counter() - start


def cached(root: Path, n: int, *, rescan_each_write: bool) -> float:
    cache = LayerCache(root, max_bytes=1 << 40)
    start = time.perf_counter()
    for i in range(n):
        cache.put_derived("bench", [(f"sha256:{i}", "b")], _value(i))
        if rescan_each_write:
            cache.evict()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = parser.parse_args()
    n = args.entries
    blobs = [cache_mod._sealed({"key": i, "value": cache_mod._encode(_value(i))}) for i in range(n)]
    with tempfile.TemporaryDirectory(dir=Path.home() / ".cache") as tmp:
        base = Path(tmp)
        (base / "floor").mkdir()
        times = {
            "floor": floor(base / "floor", blobs),
            "cache": cached(base / "cache", n, rescan_each_write=False),
            "rescan": cached(base / "rescan", n, rescan_each_write=True),
        }
    size = sum(map(len, blobs)) // n
    print(f"{n} entries of ~{size} bytes")
    for name, seconds in times.items():
        print(f"  {name:7s} {seconds:7.2f} s  {seconds / times['floor']:6.2f}x floor")
    if args.record:
        cells = [
            "cache_writes",
            f"{n} of {size} B",
            f"{times['floor']:.2f}",
            f"{times['cache']:.2f}",
            f"{times['cache'] / times['floor']:.2f}x",
            f"{times['rescan']:.2f}",
            f"{times['rescan'] / times['floor']:.2f}x",
        ]
        record_row("cache_writes", f"| {' | '.join([machine(), *cells])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
