"""Building blocks for sort keys.

`padded_key` turns a sequence compared "as if padded with `pad` for ever" (dpkg's verrevcmp,
Gem::Version) into a plain tuple that Python compares correctly with `<`: every element carries
the sign of the rest of its sequence against the padding, and a `(pad, 0)` terminator closes it.
`CmpKey` wraps a parsed value and a three-way compare function for the schemes whose rules are
not a lexicographic order (Maven, Composer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["CmpKey", "padded_key"]

T = TypeVar("T")


def padded_key(elements: Sequence[Any], pad: Any) -> tuple[Any, ...]:
    """A tuple ordered like `elements` compared element-wise with infinite `pad` padding."""
    items = list(elements)
    while items and items[-1] == pad:
        items.pop()
    out: list[Any] = [(pad, 0)]
    sign = 0
    for element in reversed(items):
        out.append((element, sign))
        if element != pad:
            sign = -1 if element < pad else 1
    out.reverse()
    return tuple(out)


class CmpKey(Generic[T]):
    """A sort key defined by a three-way compare function over parsed values."""

    __slots__ = ("cmp", "value")

    def __init__(self, value: T, cmp: Callable[[T, T], int]) -> None:
        self.value = value
        self.cmp = cmp

    def __lt__(self, other: CmpKey[T]) -> bool:
        return self.cmp(self.value, other.value) < 0

    def __le__(self, other: CmpKey[T]) -> bool:
        return self.cmp(self.value, other.value) <= 0

    def __gt__(self, other: CmpKey[T]) -> bool:
        return self.cmp(self.value, other.value) > 0

    def __ge__(self, other: CmpKey[T]) -> bool:
        return self.cmp(self.value, other.value) >= 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CmpKey) and self.cmp(self.value, other.value) == 0

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CmpKey({self.value!r})"
