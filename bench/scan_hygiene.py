"""`caulk scan` (hygiene checks) on the real bookworm-tools image vs. the floor and `dive --ci`.

    .venv/bin/python bench/scan_hygiene.py [--repeat N] [--record]

- floor: `pigz -dc LAYER | tar -t >/dev/null` over all layers (reading the image at all);
- caulk CLI: `python -m caulk.cli.main -q scan -f json REF` end to end (interpreter start included),
  with its peak RSS; target: at most 1.5 times the floor (issue 2);
- caulk library: `caulk.scan.scan_image(REF)` timed inside a fresh interpreter (no start-up cost);
- peer: `dive --ci` on the docker-archive of the same image, and its efficiency vs. caulk's.
`--record` appends a row to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from common import Run, best, dive_ci, layer_floor, machine, record_row, run

IMAGE = "bookworm-tools"
TARGET_RATIO = 1.5

_LIBRARY_CHILD = """
import json, sys, time
from caulk.scan import ScanOptions, scan_image
start = time.perf_counter()
result = scan_image(sys.argv[1], ScanOptions(vulnerabilities=False))
print(json.dumps({"seconds": time.perf_counter() - start, "findings": len(result.findings)}))
"""


def _library(ref: str, repeat: int) -> tuple[Run, float] | None:
    try:
        import caulk.scan  # noqa: F401
    except ImportError:
        return None
    runs = [run([sys.executable, "-c", _LIBRARY_CHILD, ref]) for _ in range(repeat)]
    inner = min(json.loads(r.stdout)["seconds"] for r in runs)
    return best(runs), inner


def _cli(ref: str, repeat: int) -> tuple[Run, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scan.json"
        cmd: list[str | os.PathLike[str]] = [sys.executable, "-m", "caulk.cli.main", "-q", "scan"]
        cmd += ["--scanners", "hygiene", "--no-cache", "-f", "json", "-o", out, ref]
        runs = [run(cmd, check=False) for _ in range(repeat)]
        if any(r.returncode not in (0, 1) for r in runs) or not out.exists():
            raise RuntimeError(f"caulk scan failed: exit {[r.returncode for r in runs]}")
        report: dict[str, object] = json.loads(out.read_text())
    return best(runs), report


def _line(what: str, seconds: float, rss_kib: int | None, note: str) -> None:
    rss = f"{rss_kib / 1024:6.0f} MiB" if rss_kib is not None else " " * 10
    print(f"{what:<30} {seconds:7.2f} s  {rss}  {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    args = parser.parse_args()

    from tests.images.build import ensure_archive, ensure_image, layer_blobs

    start = time.perf_counter()
    layout = ensure_image(IMAGE)
    archive = ensure_archive(IMAGE, "docker-archive")
    blobs = layer_blobs(layout)
    size_mb = sum(b.stat().st_size for b in blobs) / 1e6
    ready = time.perf_counter() - start
    print(f"image {IMAGE}: {len(blobs)} layer(s), {size_mb:.1f} MB gzip (ready in {ready:.1f} s)")
    ref = f"oci:{layout}:latest"
    cells = {"image": f"{IMAGE} ({size_mb:.1f} MB, {len(blobs)} layer)"}

    floor = layer_floor(blobs, args.repeat)
    _line("floor: pigz -dc | tar -t", floor.seconds, None, "")
    dive = dive_ci(archive, args.repeat)
    note = f"efficiency {dive.efficiency:.6f}, wasted {dive.wasted_bytes} B"
    _line("peer: dive --ci", dive.run.seconds, dive.run.max_rss_kib, note)
    cells |= {"floor": f"{floor.seconds:.2f}", "dive": f"{dive.run.seconds:.2f}"}

    try:
        cli, report = _cli(ref, args.repeat)
    except RuntimeError as exc:
        print(f"caulk scan not measured: {exc}")
        return 1 if args.record else 0
    ratio = cli.seconds / floor.seconds
    eff = report.get("efficiency")
    eff = eff if isinstance(eff, dict) else {}
    note = (
        f"{ratio:.2f}x floor (target <= {TARGET_RATIO}x), {cli.seconds / dive.run.seconds:.2f}x"
        f" dive; efficiency {eff.get('efficiency')}, wasted {eff.get('wastedBytes')} B"
    )
    _line("caulk scan (CLI)", cli.seconds, cli.max_rss_kib, note)
    cells |= {"cli": f"{cli.seconds:.2f}", "ratio": f"{ratio:.2f}x"}
    cells["rss"] = f"{cli.max_rss_kib / 1024:.0f}"
    library = _library(ref, args.repeat)
    if library is not None:
        lib_run, inner = library
        note = f"{inner / floor.seconds:.2f}x floor (in-process, no interpreter start-up)"
        _line("caulk scan_image (library)", inner, lib_run.max_rss_kib, note)
        cells |= {"lib": f"{inner:.2f}", "lib_ratio": f"{inner / floor.seconds:.2f}x"}
    if args.record:
        _record(cells)
    return 0


def _record(cells: dict[str, str]) -> None:
    columns = ("image", "floor", "cli", "ratio", "lib", "lib_ratio", "rss", "dive")
    row = " | ".join([machine(), "scan_hygiene", *(cells.get(c, "-") for c in columns)])
    record_row("scan_hygiene", f"| {row} |")


if __name__ == "__main__":
    sys.exit(main())
