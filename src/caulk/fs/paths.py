"""Lexical path helpers for in-image paths (normalised absolute POSIX paths, see interface.py)."""

from __future__ import annotations

__all__ = ["ROOT", "ancestors", "escapes_root", "join", "normalize", "parent", "split"]

ROOT = "/"


def normalize(path: str) -> str | None:
    """Normalise an in-image path lexically: "./a//b/../c/" -> "/a/c". Leading "/" is allowed.
    Returns None when ".." climbs above the root."""
    if path.startswith("./"):
        path = path[2:]
    if "//" not in path and ("/." not in path and not path.startswith(".")):
        return "/" + path.strip("/")  # fast path: nothing to resolve
    parts: list[str] = []
    for comp in path.split("/"):
        if comp in ("", "."):
            continue
        if comp == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(comp)
    return "/" + "/".join(parts)


def join(base: str, rel: str) -> str | None:
    """`rel` relative to directory `base` (or absolute), normalised; None if it escapes."""
    return normalize(rel if rel.startswith("/") else f"{base}/{rel}")


def escapes_root(link_dir: str, target: str) -> bool:
    """Whether a symlink in `link_dir` with `target` points above the image root when resolved
    lexically the way a plain (non-chroot) extractor would. Absolute targets never escape
    (they are relative to the image root)."""
    return not target.startswith("/") and join(link_dir, target) is None


def parent(path: str) -> str:
    head = path.rpartition("/")[0]
    return head or ROOT


def split(path: str) -> tuple[str, str]:
    head, _, base = path.rpartition("/")
    return head or ROOT, base


def ancestors(path: str) -> list[str]:
    """Proper ancestors of `path`, nearest first, excluding the root: "/a/b/c" -> ["/a/b", "/a"]."""
    out: list[str] = []
    head = path.rpartition("/")[0]
    while head:
        out.append(head)
        head = head.rpartition("/")[0]
    return out
