"""One safe way to parse untrusted JSON and YAML (image configs, manifests, SBOMs, VEX, policies,
ignore files, lint configs, files inside images, advisory feeds).

Python's parsers trust their input: `json.loads` recurses until `RecursionError`, turns 4,300-digit
numbers into `ValueError` (and anything shorter into an int that overflows later), and happily
builds 12 GB of `{}` from a 512 MB document; YAML expands alias trees exponentially ("billion
laughs") and turns `2024-13-45` into an exception or a `datetime`. Here every document is checked
before and after parsing against `Limits`: size, containers, nesting depth, integer digits; YAML
aliases are refused and timestamps stay strings. Every failure is one `DocumentError` (an
`InputError`, exit 2, and a `ValueError` for callers that handle parse errors) naming the input and
never echoing its content.

    doc = load_json(data, where="blobs/sha256/ab…")          # Any; raises DocumentError
    doc = load_yaml(path.read_bytes(), where=str(path))       # dates stay "2025-01-31"
    data = read_regular(path, max_bytes=1 << 20)               # no FIFO, device or symlink trap
"""

from __future__ import annotations

import functools
import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from caulk.errors import InputError

if TYPE_CHECKING:
    import yaml

__all__ = [
    "DEFAULT_LIMITS",
    "DocumentError",
    "Limits",
    "load_json",
    "load_yaml",
    "read_regular",
]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for one document. `max_containers` bounds objects+arrays (memory: a parsed `{}`
    costs ~64 bytes for its 3 source bytes); `max_int_digits` keeps integers within 64 bits."""

    max_bytes: int = 64 << 20
    max_depth: int = 128
    max_containers: int = 2_000_000
    max_int_digits: int = 20

    def but(self, **changes: int) -> Limits:
        return replace(self, **changes)


DEFAULT_LIMITS = Limits()


class DocumentError(InputError, ValueError):
    """An untrusted document is malformed, too large, too deep or uses a refused YAML feature."""


# ------------------------------------------------------------------------------------- files


def read_regular(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_LIMITS.max_bytes,
    follow_symlinks: bool = True,
    where: str | None = None,
    what: str = "file",
) -> bytes:
    """The bytes of a regular file, at most `max_bytes`. A FIFO, device, directory (or, with
    `follow_symlinks=False`, a symlink) is refused without blocking or reading it."""
    label = where or str(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and Path(path).is_symlink():
            raise DocumentError(f"{what} is a symbolic link", where=label) from None
        raise DocumentError(f"cannot read {what}: {exc.strerror or exc}", where=label) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise DocumentError(f"{what} is not a regular file", where=label)
        if st.st_size > max_bytes:
            raise DocumentError(f"{what} is larger than {max_bytes} bytes", where=label)
        data = fh.read(st.st_size + 1)  # not max_bytes + 1: that would allocate it every time
        if len(data) > st.st_size:  # grew since fstat: read on, still bounded
            data += fh.read(max_bytes + 1 - len(data))
    if len(data) > max_bytes:
        raise DocumentError(f"{what} is larger than {max_bytes} bytes", where=label)
    return data


# -------------------------------------------------------------------------------------- JSON


# digits -> "0", everything else -> " ": a run of digits is then a plain substring search
_DIGIT_RUNS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))


def _has_long_digit_run(raw: bytes, digits: int) -> bool:
    """A run of more than `digits` digits anywhere (maybe in a string: then ints are checked).
    Two C-speed passes; a regex search costs more than the JSON parse itself."""
    return b"0" * (digits + 1) in raw.translate(_DIGIT_RUNS)


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data


def _precheck(raw: bytes, limits: Limits, where: str, what: str) -> int:
    """Size and container count, before anything is allocated; returns the container count
    (an upper bound: brackets inside strings count too)."""
    if len(raw) > limits.max_bytes:
        raise DocumentError(f"{what} is larger than {limits.max_bytes} bytes", where=where)
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > limits.max_containers:
        raise DocumentError(
            f"{what} has more than {limits.max_containers} objects and arrays", where=where
        )
    return containers


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(
    data: bytes | str,
    *,
    where: str,
    limits: Limits = DEFAULT_LIMITS,
    what: str = "document",
    object_pairs_hook: Any = None,
) -> Any:
    """Parse one untrusted JSON document (UTF-8/16/32 bytes or text) within `limits`."""
    raw = _as_bytes(data)
    containers = _precheck(raw, limits, where, what)

    def bounded_int(text: str) -> int:
        if len(text.lstrip("-")) > limits.max_int_digits:
            raise ValueError(f"an integer has more than {limits.max_int_digits} digits")
        return int(text)

    huge = _has_long_digit_run(raw, limits.max_int_digits)
    try:
        doc = json.loads(
            data,
            parse_constant=_reject_constant,
            parse_int=bounded_int if huge else None,
            object_pairs_hook=object_pairs_hook,
        )
    except RecursionError:
        raise DocumentError(
            f"{what} is nested more than {limits.max_depth} levels deep", where=where
        ) from None
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{what} is not valid JSON (not UTF-8: {exc.reason})", where=where
        ) from None
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            where=where,
        ) from None
    except ValueError as exc:  # int digit limit, NaN/Infinity, hooks
        raise DocumentError(f"{what} is not valid JSON ({exc})", where=where) from None
    if containers > limits.max_depth:
        _check_depth(doc, limits, where, what)
    return doc


def _check_depth(doc: Any, limits: Limits, where: str, what: str) -> None:
    """Breadth-first, one level at a time: no recursion, linear in the number of values."""
    level: list[Any] = [doc] if isinstance(doc, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limits.max_depth:
            raise DocumentError(
                f"{what} is nested more than {limits.max_depth} levels deep", where=where
            )
        below: list[Any] = []
        for node in level:
            values = node.values() if isinstance(node, dict) else node
            below.extend(v for v in values if isinstance(v, dict | list))
        level = below


# -------------------------------------------------------------------------------------- YAML

Scalars = Literal["yaml", "strings"]


@functools.cache
def _loaders() -> dict[str, Any]:
    """The two loader classes, built on first use: importing safeload does not import PyYAML
    (`caulk lint` without a config never needs it)."""
    import yaml

    class _Loader(yaml.CSafeLoader):
        """YAML 1.1 safe types without timestamps; no aliases; bounded nodes and integers."""

        limits: Limits = DEFAULT_LIMITS
        nodes: int = 0

        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            if node in self.constructed_objects or node in self.recursive_objects:
                raise _RefusedError("YAML aliases are not accepted")
            self.nodes += 1
            if self.nodes > self.limits.max_containers:
                raise _RefusedError(f"YAML has more than {self.limits.max_containers} nodes")
            return super().construct_object(node, deep)

        def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
            text = str(node.value).replace("_", "").lstrip("+-")
            if len(text) > self.limits.max_int_digits + 2:  # 0x / 0o prefixes
                raise _RefusedError(f"an integer has more than {self.limits.max_int_digits} digits")
            return super().construct_yaml_int(node)

    class _StringLoader(_Loader):
        """Only null and booleans are implicit: `versions: [1.10]` stays "1.10"."""

    def without(loader: type[_Loader], keep: tuple[str, ...]) -> None:
        loader.yaml_implicit_resolvers = {
            first: [(tag, rx) for tag, rx in resolvers if tag in keep]
            for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
        }

    safe_tags = ("null", "bool", "int", "float", "merge", "value")
    without(_Loader, tuple(f"tag:yaml.org,2002:{t}" for t in safe_tags))
    without(_StringLoader, ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"))
    _Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
    _Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)  # type: ignore[type-var]
    return {"yaml": _Loader, "strings": _StringLoader}


class _RefusedError(Exception):
    """Raised inside the constructor; becomes a DocumentError naming the input."""


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where and what, never a snippet of the document (it may be someone's secret file)."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return f"{problem.splitlines()[0][:120]}{at}"
    return "syntax error"


def load_yaml(
    data: bytes | str,
    *,
    where: str,
    limits: Limits = DEFAULT_LIMITS,
    scalars: Scalars = "yaml",
    what: str = "document",
) -> Any:
    """Parse one untrusted YAML document within `limits`. Timestamps stay strings; with
    `scalars="strings"` numbers do too. Aliases are refused (the alias-bomb defence)."""
    import yaml

    _precheck(_as_bytes(data), limits, where, what)
    loader = _loaders()[scalars](data)
    loader.limits = limits
    try:
        doc = loader.get_single_data()
    except _RefusedError as exc:
        raise DocumentError(f"{what}: {exc}", where=where) from None
    except RecursionError:
        raise DocumentError(
            f"{what} is nested more than {limits.max_depth} levels deep", where=where
        ) from None
    except yaml.YAMLError as exc:
        raise DocumentError(
            f"{what} is not valid YAML ({_yaml_problem(exc)})", where=where
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:  # bad encoding, bad scalar (e.g. ints)
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else "bad scalar"
        raise DocumentError(f"{what} is not valid YAML ({reason})", where=where) from None
    finally:
        loader.dispose()
    if loader.nodes > limits.max_depth:
        _check_depth(doc, limits, where, what)
    return doc
