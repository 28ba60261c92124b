"""Run every benchmark in bench/ (each `bench/*.py` but this file and the helpers), in order.

    .venv/bin/python bench/run_all.py [--record]     (what `make bench` runs)

Arguments are passed to every benchmark. Exits non-zero if any benchmark failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"run_all.py", "common.py"}


def benchmarks() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.name not in NOT_BENCHMARKS and p.name[0] != "_")


def main(argv: list[str]) -> int:
    failed = []
    for script in benchmarks():
        print(f"== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script), *argv], check=False).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
