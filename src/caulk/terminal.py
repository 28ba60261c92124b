"""Text from others on a terminal: registry error bodies, file names inside images, advisory
titles, Dockerfile content, tag names. Their control characters must not reach the terminal raw:
an OSC sequence retitles the window or writes the clipboard, CSI moves the cursor over earlier
output, a carriage return or backspace hides what was printed, bidi controls reorder it.

`printable(text)` escapes them as `\\xNN` / `\\uNNNN`: C0 (U+0000-U+001F, newline and tab
included unless kept), DEL, C1 (U+0080-U+009F) and the bidi embedding, override and isolate
controls (U+202A-U+202E, U+2066-U+2069). Every human-readable output goes through it: one-line
errors and log lines (`caulk.cli.main`), the scan table (`report.table`), the lint tty format and
the CLI's plain-text listings. Machine formats (JSON, SARIF) escape by
their own rules.
"""

from __future__ import annotations

__all__ = ["printable"]

_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F)]
_CONTROLS += [*range(0x2066, 0x206A)]
_TABLE = {cp: (f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}") for cp in _CONTROLS}
_KEEP_TABLES: dict[str, dict[int, str]] = {}


def printable(text: str, *, keep: str = "") -> str:
    """`text` with every control character escaped, except those in `keep` (e.g. "\\n" for
    multi-line text whose line breaks are meant)."""
    table = _TABLE
    if keep:
        table = _KEEP_TABLES.get(keep) or _KEEP_TABLES.setdefault(
            keep, {cp: v for cp, v in _TABLE.items() if chr(cp) not in keep}
        )
    return text.translate(table)
