"""Split `transport:PATH[:rest]` references where PATH itself may contain ':'."""

from __future__ import annotations

from pathlib import Path

from caulk.errors import ImageFormatError

__all__ = ["split_path", "split_tag_or_digest"]


def split_path(rest: str, *, want_dir: bool) -> tuple[Path, str | None]:
    """The longest existing prefix of `rest` (up to a ':' or '@') is the path; what follows is the
    transport-specific remainder. Raises ImageFormatError if no prefix exists."""
    cuts = [len(rest)] + [i for i in range(len(rest) - 1, 0, -1) if rest[i] in ":@"]
    for cut in cuts:
        path = Path(rest[:cut])
        if path.is_dir() if want_dir else path.is_file():
            remainder = rest[cut + 1 :] if rest[cut : cut + 1] == ":" else rest[cut:]
            return path, remainder or None
    first = rest.split(":", 1)[0] if not Path(rest).exists() else rest
    kind = "directory" if want_dir else "file"
    raise ImageFormatError(f"no such {kind}", where=first or rest)


def split_tag_or_digest(remainder: str | None) -> tuple[str | None, str | None]:
    """`tag` or `@sha256:…` (also `sha256:…` after the path separator) -> (tag, digest)."""
    if remainder is None:
        return None, None
    if remainder.startswith("@"):
        return None, remainder[1:]
    if remainder.startswith(("sha256:", "sha512:")):
        return None, remainder
    return remainder, None
