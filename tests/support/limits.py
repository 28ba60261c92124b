"""Run a resource bomb where it cannot hurt: a subprocess with an address-space cap and a timeout.

A regression of a memory or CPU bomb must fail the test, not OOM-kill CI or hang it. Both helpers
return a `Bounded` whatever happens (`timed_out` set when the deadline passed; the child is killed).

    run = run_python("from caulk.safeload import load_json; load_json(b'[' * 10**6, where='x')")
    assert run.rc == 0, run
    run = run_cli("lint", dockerfile, cwd=tmp_path, memory_mb=1024, timeout=60)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Bounded", "run_cli", "run_python"]

DEFAULT_MEMORY_MB = 1536  # address space: the interpreter, caulk's imports and honest work fit
DEFAULT_TIMEOUT = 120.0  # generous: a shared 2-core machine; a bomb takes minutes or forever


@dataclass(frozen=True, slots=True)
class Bounded:
    """What a capped run did: exit code (negative: killed by that signal), output, timeout."""

    rc: int
    stdout: str
    stderr: str
    timed_out: bool

    def __str__(self) -> str:
        state = "timed out" if self.timed_out else f"rc={self.rc}"
        return f"{state}\n--- stderr\n{self.stderr[-3000:]}\n--- stdout\n{self.stdout[-2000:]}"


def _cap(memory_mb: int) -> None:
    limit = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _run(
    argv: list[str],
    *,
    memory_mb: int,
    timeout: float,
    cwd: str | os.PathLike[str] | None,
    env: Mapping[str, str] | None,
) -> Bounded:
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: _cap(memory_mb),  # only setrlimit: safe before exec
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        return Bounded(proc.returncode, out, err, True)
    return Bounded(proc.returncode, out, err, False)


def run_python(
    code: str,
    *,
    memory_mb: int = DEFAULT_MEMORY_MB,
    timeout: float = DEFAULT_TIMEOUT,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Bounded:
    """`python -c CODE` with this interpreter (and venv) under the caps."""
    return _run(
        [sys.executable, "-c", code], memory_mb=memory_mb, timeout=timeout, cwd=cwd, env=env
    )


def run_cli(
    *args: str | os.PathLike[str],
    memory_mb: int = DEFAULT_MEMORY_MB,
    timeout: float = DEFAULT_TIMEOUT,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Bounded:
    """`caulk ARGS` (as `python -m caulk.cli.main`) under the caps."""
    argv = [sys.executable, "-m", "caulk.cli.main", *map(str, args)]
    return _run(argv, memory_mb=memory_mb, timeout=timeout, cwd=cwd, env=env)
