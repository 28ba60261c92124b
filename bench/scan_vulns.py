"""Full `caulk scan` (hygiene + vulnerabilities) of a real image with old PyPI and npm packages:
cold vs. the decompression floor, and a warm-cache rescan vs. the cold scan.

    .venv/bin/python bench/scan_vulns.py [--repeat N] [--record]

Image: the `bookworm-pip-npm` test image (Debian 12 minbase + python3, python3-pip, npm) plus two
layers built here, the way real-components.md describes them: `pip install --no-deps --target`
of Django 3.2, requests 2.19.0, PyYAML 5.1, urllib3 1.24.1, and `npm install --ignore-scripts`
of lodash 4.17.4, minimist 0.0.8 and mkdirp 0.5.5 (which brings a nested minimist 1.2.x). Built
once into the test image cache (`bench/` under `$CAULK_TEST_CACHE`), keyed by all of that.

- floor: `pigz -dc LAYER | tar -t >/dev/null` over all layers (reading the image at all);
- cold: `python -m caulk.cli.main -q scan -f json --db EMBEDDED` with an empty layer cache
  (a fresh `CAULK_CACHE_DIR` every run; the embedded advisory store); target <= 1.5x floor;
- warm: the same command again with the cache the cold run filled; target < 10% of cold;
- library: `caulk.scan.scan_image` timed in a fresh interpreter (no start-up cost), cold and warm.
`--record` appends a row to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from common import Run, best, layer_floor, machine, record_row, run

BASE = "bookworm-pip-npm"
PYPI = ("django==3.2.0", "requests==2.19.0", "PyYAML==5.1", "urllib3==1.24.1")
NPM = ("lodash@4.17.4", "minimist@0.0.8", "mkdirp@0.5.5")
SITE = "usr/local/lib/python3.11/site-packages"
EPOCH, EPOCH_ISO = 1_700_000_000, "2023-11-14T22:13:20Z"
BUILD_VERSION = 1  # bump when the layers below are made differently
TARGET_COLD, TARGET_WARM = 1.5, 0.10

_LIBRARY_CHILD = """
import json, sys, time
from pathlib import Path
from caulk.fs.cache import LayerCache
from caulk.scan import ScanOptions, scan_image
from caulk.vulndb.store import open_store
ref, cache_dir, db = sys.argv[1:4]
cache = LayerCache(Path(cache_dir))
store = open_store(Path(db))
start = time.perf_counter()
result = scan_image(ref, ScanOptions(store=store, cache=cache))
seconds = time.perf_counter() - start
print(json.dumps({
    "seconds": seconds, "hits": cache.stats.hits, "misses": cache.stats.misses,
    "packages": len(result.packages or ()), "vulnerabilities": len(result.vulnerabilities),
    "findings": len(result.findings),
}))
"""


# --- the image ------------------------------------------------------------------------------------


def _layer_tar(stage: Path, out: Path) -> None:
    """A deterministic layer tar (sorted, owner 0, one mtime, Docker-style names)."""
    top = sorted(p.name for p in stage.iterdir())
    subprocess.run(
        ["tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--format=pax",
         "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
         f"--mtime=@{EPOCH}", "-C", stage, "-cf", out, *top],
        check=True,
    )  # fmt: skip


def _add_layer(layout: Path, tar: Path, created_by: str, log: Path) -> None:
    from tests.images.build import run_logged

    run_logged(
        ["umoci", "raw", "add-layer", "--image", f"{layout}:latest", "--history.created",
         EPOCH_ISO, "--history.created_by", created_by, tar],
        log,
    )  # fmt: skip


def _pip_layer(work: Path, layout: Path, log: Path) -> None:
    from tests.images.build import run_logged

    stage = work / "pip"
    site = stage / SITE
    site.mkdir(parents=True)
    run_logged(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
         "--no-compile", "--no-cache-dir", "--target", site, *PYPI],
        log,
    )  # fmt: skip
    shutil.rmtree(site / "bin", ignore_errors=True)
    _layer_tar(stage, work / "pip.tar")
    _add_layer(
        layout, work / "pip.tar", f"/bin/sh -c pip install --target /{SITE} {' '.join(PYPI)}", log
    )


def _npm_layer(work: Path, layout: Path, log: Path) -> None:
    from tests.images.build import run_logged

    stage = work / "npm"
    app = stage / "app"
    app.mkdir(parents=True)
    (app / "package.json").write_text(
        json.dumps({"name": "bench-app", "version": "1.0.0", "private": True}, indent=2) + "\n"
    )
    run_logged(
        ["npm", "install", "--silent", "--ignore-scripts", "--no-audit", "--no-fund",
         "--save-exact", *NPM],
        log, cwd=app,
    )  # fmt: skip
    _layer_tar(stage, work / "npm.tar")
    _add_layer(layout, work / "npm.tar", f"/bin/sh -c cd /app && npm install {' '.join(NPM)}", log)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def ensure_bench_image() -> Path:
    """The OCI layout (tag `latest`): the base test image + the pip and npm layers."""
    from tests.images.build import cache_root, ensure_image, run_logged
    from tests.images.recipes import recipe

    base = ensure_image(BASE)
    spec = json.dumps([BUILD_VERSION, recipe(BASE).key(), PYPI, NPM]).encode()
    name = f"scan-vulns-{hashlib.sha256(spec).hexdigest()[:16]}"
    final = cache_root() / "bench" / name
    if (final / "oci" / "index.json").exists():
        return final / "oci"
    with _locked(cache_root() / "locks" / f"{name}.lock"):
        if (final / "oci" / "index.json").exists():
            return final / "oci"
        work = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=final.parent.parent))
        log = work / "build.log"
        layout = Path(shutil.copytree(base, work / "oci"))
        _pip_layer(work, layout, log)
        _npm_layer(work, layout, log)
        run_logged(["umoci", "gc", "--layout", layout], log)
        for scratch in ("pip", "npm", "pip.tar", "npm.tar"):
            path = work / scratch
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(final, ignore_errors=True)
        work.rename(final)
    return final / "oci"


# --- the measurements -----------------------------------------------------------------------------


def _cli(ref: str, db: Path, cache_root: Path, repeat: int, *, fresh: bool) -> tuple[Run, dict]:
    """Best of `repeat` CLI scans; `fresh` empties the cache before each one."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scan.json"
        cmd = [sys.executable, "-m", "caulk.cli.main"]
        cmd += ["-q", "scan", "-f", "json", "-o", str(out), "--db", str(db), ref]
        for _ in range(repeat):
            if fresh:
                shutil.rmtree(cache_root, ignore_errors=True)
            runs.append(run(cmd, check=False, env={"CAULK_CACHE_DIR": str(cache_root)}))
            if runs[-1].returncode not in (0, 1) or not out.exists():
                raise RuntimeError(f"caulk scan failed: exit {runs[-1].returncode}")
        report = json.loads(out.read_text())
    return best(runs), report


def _library(ref: str, db: Path, cache_dir: Path, repeat: int, *, fresh: bool) -> dict:
    found = []
    for _ in range(repeat):
        if fresh:
            shutil.rmtree(cache_dir, ignore_errors=True)
        child = run([sys.executable, "-c", _LIBRARY_CHILD, ref, cache_dir, db])
        found.append(json.loads(child.stdout))
    return min(found, key=lambda r: r["seconds"])


def _line(what: str, seconds: float, rss_kib: int | None, note: str) -> None:
    rss = f"{rss_kib / 1024:6.0f} MiB" if rss_kib is not None else " " * 10
    print(f"{what:<30} {seconds:7.2f} s  {rss}  {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = parser.parse_args()

    from tests.images.build import layer_blobs

    from caulk.vulndb import default_store

    start = time.perf_counter()
    layout = ensure_bench_image()
    blobs = layer_blobs(layout)
    db = default_store().path  # the embedded advisory subset (built on first use)
    size_mb = sum(b.stat().st_size for b in blobs) / 1e6
    ready = time.perf_counter() - start
    print(
        f"image {BASE}+pip+npm: {len(blobs)} layers, {size_mb:.1f} MB gzip (ready in {ready:.1f} s)"
    )
    ref = f"oci:{layout}:latest"
    cells = {"image": f"{BASE}+pip+npm ({size_mb:.1f} MB, {len(blobs)} layers)"}

    floor = layer_floor(blobs, args.repeat)
    _line("floor: pigz -dc | tar -t", floor.seconds, None, "")
    with tempfile.TemporaryDirectory(prefix="caulk-bench-cache-") as tmp:
        root = Path(tmp) / "root"
        cold, report = _cli(ref, db, root, args.repeat, fresh=True)
        warm, _ = _cli(ref, db, root, args.repeat, fresh=False)
        lib_dir = Path(tmp) / "lib" / "layers"
        lib_cold = _library(ref, db, lib_dir, args.repeat, fresh=True)
        lib_warm = _library(ref, db, lib_dir, args.repeat, fresh=False)
    packages = len(report.get("packages") or [])
    vulns = len(report.get("vulnerabilities") or [])
    cold_ratio, warm_ratio = cold.seconds / floor.seconds, warm.seconds / cold.seconds
    note = f"{cold_ratio:.2f}x floor (target <= {TARGET_COLD}x); {packages} packages, {vulns} vulns"
    _line("caulk scan, cold cache (CLI)", cold.seconds, cold.max_rss_kib, note)
    note = f"{warm_ratio:.1%} of cold (target < {TARGET_WARM:.0%})"
    _line("caulk scan, warm cache (CLI)", warm.seconds, warm.max_rss_kib, note)
    lib_cold_ratio = lib_cold["seconds"] / floor.seconds
    lib_warm_ratio = lib_warm["seconds"] / lib_cold["seconds"]
    note = f"{lib_cold_ratio:.2f}x floor (in-process, no interpreter start-up)"
    _line("scan_image, cold (library)", lib_cold["seconds"], None, note)
    note = (
        f"{lib_warm_ratio:.1%} of cold; {lib_warm['hits']} layer hits, {lib_warm['misses']} misses"
    )
    _line("scan_image, warm (library)", lib_warm["seconds"], None, note)
    if lib_warm["misses"]:
        print(
            "warning: the warm library scan missed the cache (caulk's sources changed meanwhile?)"
        )
    cells |= {
        "floor": f"{floor.seconds:.2f}",
        "cold": f"{cold.seconds:.2f}",
        "cold_ratio": f"{cold_ratio:.2f}x",
        "warm": f"{warm.seconds:.2f}",
        "warm_ratio": f"{warm_ratio:.0%}",
        "lib_cold": f"{lib_cold['seconds']:.2f}",
        "lib_cold_ratio": f"{lib_cold_ratio:.2f}x",
        "lib_warm": f"{lib_warm['seconds']:.2f}",
        "lib_warm_ratio": f"{lib_warm_ratio:.0%}",
        "rss": f"{cold.max_rss_kib / 1024:.0f}",
        "found": f"{packages} / {vulns}",
    }
    if args.record:
        _record(cells)
    return 0


def _record(cells: dict[str, str]) -> None:
    columns = (
        "image", "floor", "cold", "cold_ratio", "warm", "warm_ratio", "lib_cold",
        "lib_cold_ratio", "lib_warm", "lib_warm_ratio", "rss", "found",
    )  # fmt: skip
    row = " | ".join([machine(), *(cells.get(c, "-") for c in columns)])
    record_row("scan_vulns", f"| {row} |")


if __name__ == "__main__":
    sys.exit(main())
