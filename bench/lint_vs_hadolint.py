"""Benchmark: caulk's Dockerfile linter vs hadolint, in the same run.

1. Corpus: every Dockerfile of the dev corpus linted in one process (caulk: one `caulk lint`
   call; hadolint: one `hadolint` call with all files). Target: caulk >= 3x faster.
2. Single small file end to end (process start included). Target: caulk <= 0.3 s.
3. One large generated Dockerfile (`--large-kib`, default 256 KiB of long `RUN … && cd` lines,
   the shape of the 10 MB unit test), once each: caulk stays linear in the input (it lints 10 MB
   in ~40 s here, where hadolint needs ~110 s for 1 MB). Prints hadolint/caulk and caulk's KiB/s.

Usage: python bench/lint_vs_hadolint.py [CORPUS_DIR] [--repeat N] [--large-kib K]
CORPUS_DIR defaults to ../shared/data/dockerfiles-dev, else tests/fixtures/dockerfiles/dev.
Prints wall-clock medians and the ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SMALL = 'FROM alpine:3.19\nRUN apk add --no-cache curl=8.5.0-r0\nUSER 10001\nCMD ["curl"]\n'
LARGE_LINE = b"RUN echo " + b"x" * 90 + b" | tee -a /log && cd /tmp\n"


def _large(kib: int) -> bytes:
    return b"FROM alpine:3.19\n" + LARGE_LINE * (kib * 1024 // len(LARGE_LINE))


def _corpus(arg: str | None) -> list[Path]:
    candidates = (
        [Path(arg)]
        if arg
        else [
            REPO.parent / "shared" / "data" / "dockerfiles-dev",
            REPO / "tests" / "fixtures" / "dockerfiles" / "dev",
        ]
    )
    for folder in candidates:
        files = sorted(folder.glob("*Dockerfile*"))
        files = [f for f in files if not f.name.endswith(".source")]
        if files:
            return files
    sys.exit("no Dockerfiles found")


def _time(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true", help="append a row to bench/RESULTS.md")
    ap.add_argument("--large-kib", type=int, default=256, help="size of the large Dockerfile")
    args = ap.parse_args()
    files = [str(f) for f in _corpus(args.corpus)]
    bindir = Path(sys.executable).parent
    caulk = (
        [str(bindir / "caulk")]
        if (bindir / "caulk").exists()
        else [sys.executable, "-m", "caulk.cli.main"]
    )
    hadolint = shutil.which("hadolint") or str(bindir / "hadolint")
    env_note = f"{os.cpu_count()} cpus, python {sys.version.split()[0]}"
    print(f"corpus: {len(files)} files ({env_note})")

    c = _time([*caulk, "lint", "-f", "json", "--fail-on", "none", *files], args.repeat)
    h = _time([hadolint, "--no-fail", "-f", "json", *files], args.repeat)
    print(f"corpus  caulk {c:6.2f} s   hadolint {h:6.2f} s   hadolint/caulk = {h / c:4.1f}x")

    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "Dockerfile"
        small.write_text(SMALL)
        repeat = max(5, args.repeat)
        c1 = _time([*caulk, "lint", "-f", "json", str(small)], repeat)
        h1 = _time([hadolint, "-f", "json", str(small)], repeat)
    print(f"single  caulk {c1:6.3f} s   hadolint {h1:6.3f} s   target <= 0.300 s: "
          f"{'met' if c1 <= 0.3 else 'MISSED'}")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        large = Path(tmp) / "Dockerfile"
        large.write_bytes(_large(args.large_kib))
        cl = _time([*caulk, "lint", "-f", "json", "--fail-on", "none", str(large)], 1)
        hl = _time([hadolint, "--no-fail", "-f", "json", str(large)], 1)
    print(f"large   {args.large_kib} KiB: caulk {cl:6.2f} s ({args.large_kib / cl:,.0f} KiB/s)   "
          f"hadolint {hl:6.2f} s   hadolint/caulk = {hl / cl:4.1f}x")  # fmt: skip
    if args.record:
        from common import machine, record_row

        cells = [
            machine(), str(len(files)), f"{c:.2f}", f"{h:.2f}", f"{h / c:.1f}x", f"{c1:.3f}",
            f"{h1:.3f}", "",
        ]  # fmt: skip
        record_row("lint_vs_hadolint", "| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
