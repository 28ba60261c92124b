"""CK-IMG-011 (ADD of a remote URL), CK-IMG-012 (download piped into a shell) and CK-IMG-023
(sudo, dockle's DKL-DI-0001) in the image history's `created_by`, as the classic builder
(`/bin/sh -c #(nop) ADD …`), BuildKit (`ADD … # buildkit`, `RUN /bin/sh -c …`) and buildah record
it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import ADD_REMOTE, PIPE_TO_SHELL, SUDO_IN_HISTORY
from caulk.check.rules import Rule
from caulk.fs.inodes import layer_digest
from caulk.fs.interface import FileAnalyzer
from caulk.model import Finding, Location

__all__ = ["HistoryCheck", "piped_download", "remote_add", "sudo_call"]

_SHELL = r"(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+(?:\S+=\S*\s+)*)?(?:/\S*/)?(?:ba|da|z|k|mk|a)?sh\b"
_FETCH = r"\b(?:curl|wget)\b"
_PIPE_TO_SHELL = re.compile(
    # curl … | sh   (not across `&&`, `||` or `;`)
    rf"{_FETCH}(?:(?!&&|\|\||;)[^|\n])*\|\s*{_SHELL}"
    # sh <(curl …)   and   sh -c "$(curl …)"
    rf"|\b(?:ba|da|z|k)?sh\s+(?:-\S+\s+)*<\(\s*{_FETCH}"
    rf"|\b(?:ba|da|z|k)?sh\s+-c\s+[\"']?\$\(\s*{_FETCH}"
)
# the instruction itself, not text that mentions it: `ADD …` (BuildKit) or `… #(nop) ADD …`
_ADD = re.compile(r"^(?:\S*sh -c #\(nop\)\s*)?ADD\s+((?:--\S+\s+)*)((?:https?|ftp)://\S+)")


# `sudo` as a command word: at the start, or after a shell operator / `sh -c`
_SUDO = re.compile(r"(?:^|[;&|(`]|\$\(|\bsh -c\s+(?:#\(nop\)\s*)?)\s*(sudo(?:\s+\S+){0,3})")


def sudo_call(created_by: str) -> str | None:
    """The `sudo …` command of a history step, or None."""
    match = _SUDO.search(created_by)
    return match.group(1) if match else None


def remote_add(created_by: str) -> str | None:
    """The URL of an `ADD <url>` without `--checksum`, or None."""
    match = _ADD.search(created_by)
    if match is None or "--checksum" in match.group(1):
        return None
    return match.group(2)


def piped_download(created_by: str) -> str | None:
    """The `curl … | sh` fragment, or None."""
    match = _PIPE_TO_SHELL.search(created_by)
    return match.group(0) if match else None


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class HistoryCheck:
    rules: tuple[Rule, ...] = (ADD_REMOTE, PIPE_TO_SHELL, SUDO_IN_HISTORY)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        layer = -1
        for i, entry in enumerate(ctx.image.config.history):
            if not entry.empty_layer:
                layer += 1
            where = Location(
                field=f"history[{i}].created_by",
                layer=None if entry.empty_layer else layer,
                layer_digest=None if entry.empty_layer else layer_digest(ctx.view, layer),
            )
            url = remote_add(entry.created_by)
            if url is not None:
                yield ADD_REMOTE.finding(f"history step {i} ADDs {url} without a checksum", where)
            sudo = sudo_call(entry.created_by)
            if sudo is not None:
                yield SUDO_IN_HISTORY.finding(f"history step {i} runs {_short(sudo)}", where)
            piped = piped_download(entry.created_by)
            if piped is not None:
                yield PIPE_TO_SHELL.finding(
                    f"history step {i} pipes a download into a shell: {_short(piped)}", where
                )
