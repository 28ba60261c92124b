"""Small CLI helpers: atomic output files and a progress bar on a TTY."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from caulk.errors import OperationalError
from caulk.localfiles import temp_path

__all__ = ["progress_bar", "write_output"]


def write_output(data: bytes, path: Path | None) -> None:
    """Write to stdout, or atomically to `path` (temp file in the same directory, then rename)."""
    if path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if path.exists() and not path.is_file():  # /dev/null, a fifo, a terminal: write in place
        try:
            with path.open("wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise OperationalError(f"cannot write: {exc.strerror}", where=str(path)) from None
        return
    directory = path.parent if str(path.parent) else Path()
    try:
        with temp_path(directory, path.name) as tmp:  # a killed run's is swept by the next
            with os.fdopen(os.dup(tmp.fd), "wb") as fh:
                fh.write(data)
            os.fchmod(tmp.fd, 0o666 & ~_umask())  # a report file is not private
            tmp.path.replace(path)
    except OSError as exc:
        raise OperationalError(f"cannot write: {exc.strerror}", where=str(path)) from None


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@contextmanager
def progress_bar(*, enabled: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a `progress(done, total)` callback drawing on stderr when it is a TTY, else None."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update
