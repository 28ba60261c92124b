"""Fuzzing caulk's parsers of untrusted bytes with hypothesis (issue 9, "Also").

A target feeds a parser documents derived from a real seed: the seed itself, the seed with one
JSON value swapped for a random or hostile one (deep nesting, 5,000-digit numbers, wrong types,
control characters...), the seed with random byte edits, or plain random bytes. The contract is
`clean(call)`: the call returns, or raises a `caulk.errors.Error` whose message is one line;
any other exception is a crash and fails the test (hypothesis shrinks and prints the input).

Budget: `FUZZ` runs `CAULK_FUZZ_EXAMPLES` examples per target (default 60) without deadlines, so
the whole set stays within about a minute of CPU in CI; raise it locally for a longer hunt
(`CAULK_FUZZ_EXAMPLES=5000 pytest -k fuzz`).
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from caulk.errors import Error

__all__ = [
    "EXAMPLES",
    "FUZZ",
    "HOSTILE_TOKENS",
    "clean",
    "json_documents",
    "mutated_bytes",
    "pending_on_safeload",
    "text_documents",
]

T = TypeVar("T")

EXAMPLES = int(os.environ.get("CAULK_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written to the repository
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)

# Raw JSON text put in place of one value: the red team's seeds (issue 9 items 5, 19) and friends.
HOSTILE_TOKENS: tuple[str, ...] = (
    # deeper than any recursion limit (hypothesis raises the interpreter's by 2,000 frames while
    # a test runs, so ~1,000 levels would pass here and crash in production)
    "[" * 50_000 + "]" * 50_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    "9" * 5000,  # over Python's 4,300-digit int limit
    "-" + "9" * 400,
    "1e999999",
    "1.5e-999999",
    "NaN",
    "-Infinity",
    '"\\ud800"',  # lone surrogate
    '"\\u0000\\u001b]0;title\\u0007"',
    '"' + "A" * 70_000 + '"',
    "[]",
    "{}",
    "null",
    "true",
    "0",
    "-1",
    '""',
    '"9999-12-31T23:59:59-01:00"',
    '"0001-01-01T00:00:00+14:00"',
    '"2023-10-01T09:00:00+09:00"',
    '"../../../../etc/passwd"',
    '"*"',
    '"sha512:' + "0" * 128 + '"',
)

_MARK = "\x00caulk-fuzz-mark\x00"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replaced(copy[head], rest, new)
    return copy


@st.composite
def _swap_one_value(draw: st.DrawFn, seed: Any) -> bytes:
    path = draw(st.sampled_from(_paths(seed)))
    if draw(st.booleans()):
        return json.dumps(_replaced(seed, path, draw(json_values))).encode()
    token = draw(st.sampled_from(HOSTILE_TOKENS))
    text = json.dumps(_replaced(seed, path, _MARK))
    return text.replace(json.dumps(_MARK), token, 1).encode()


@st.composite
def _byte_edits(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.integers(0, 2))
        if kind == 0:
            data[at] = draw(st.integers(0, 255))
        elif kind == 1:
            del data[at : at + draw(st.integers(1, 64))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


def mutated_bytes(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """A seed, a seed with byte edits, or random bytes."""
    return (
        st.sampled_from(list(seeds))
        | st.sampled_from(list(seeds)).flatmap(_byte_edits)
        | st.binary(max_size=256)
    )


def json_documents(seeds: Sequence[Any]) -> st.SearchStrategy[bytes]:
    """Serialized JSON derived from `seeds` (parsed documents): one value swapped (random or
    hostile), byte edits of a seed, or random bytes."""
    encoded = [json.dumps(s).encode() for s in seeds]
    return st.sampled_from(list(seeds)).flatmap(_swap_one_value) | mutated_bytes(encoded)


def text_documents(seeds: Sequence[str]) -> st.SearchStrategy[str]:
    """Line-oriented text (Dockerfiles, YAML): seeds with lines dropped, duplicated, swapped for
    random text or hostile values, or byte edits."""

    @st.composite
    def edit_lines(draw: st.DrawFn, seed: str) -> str:
        lines = seed.splitlines(keepends=True) or [""]
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(lines) - 1))
            choice = draw(st.integers(0, 3))
            if choice == 0:
                del lines[at]
            elif choice == 1:
                lines.insert(at, lines[at] * draw(st.integers(2, 40)))
            elif choice == 2:
                lines.insert(at, draw(st.text(max_size=40)) + "\n")
            else:
                lines.insert(at, draw(st.sampled_from(HOSTILE_TOKENS))[:5000] + "\n")
            lines = lines or [""]
        return "".join(lines)

    as_bytes = [s.encode() for s in seeds]
    return st.sampled_from(list(seeds)).flatmap(edit_lines) | mutated_bytes(as_bytes).map(
        lambda b: b.decode("utf-8", "replace")
    )


_SAFELOAD_MERGED = importlib.util.find_spec("caulk.safeload") is not None


def pending_on_safeload(items: str) -> pytest.MarkDecorator:
    """For a target whose known crashes (issue 9 `items`) are fixed on the sec-parse branch (its
    shared safe loader, `caulk.safeload`): a strict xfail until that module exists, then nothing.
    Before the merge the target must still fail (its seeds reproduce the crash); after it, the
    target runs as any other and must pass."""
    return pytest.mark.xfail(
        not _SAFELOAD_MERGED,
        strict=True,
        reason=f"issue 9 {items}: crash fixed by the sec-parse branch (caulk.safeload), not merged",
    )


def clean(call: Callable[[], T]) -> T | None:
    """Run `call`: its result, or None when it raised a caulk `Error` with a one-line message.
    Anything else propagates: that is the crash the fuzzer reports."""
    try:
        return call()
    except Error as exc:
        text = str(exc)
        assert text and "\n" not in text, f"not one line: {text!r}"
        return None
