"""Maven versions with `ComparableVersion` semantics (maven-artifact 3.x).

`.` and `-` separate items, and so does every digit/letter transition; a `-` (or a transition)
opens a sub-list. Numbers compare numerically; qualifiers `alpha < beta < milestone < rc = cr <
snapshot < "" = ga = final = release < sp`, then unknown qualifiers in lexical order (case
insensitive); `a1`/`b1`/`m1` mean alpha/beta/milestone when followed by a digit. Trailing
"null" items (0, "", empty lists) are dropped, so `1 = 1.0 = 1-0 = 1.0.0`.
"""

from __future__ import annotations

from dataclasses import dataclass

from caulk.match.version.interface import SortKey, VersionScheme
from caulk.match.version.keys import CmpKey

__all__ = ["MavenScheme", "maven_compare", "maven_items"]

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_RELEASE_INDEX = str(_QUALIFIERS.index(""))


def _comparable_qualifier(value: str) -> str:
    if value in _QUALIFIERS:
        return str(_QUALIFIERS.index(value))
    return f"{len(_QUALIFIERS)}-{value}"


def _cmp_str(a: str, b: str) -> int:
    return (a > b) - (a < b)


@dataclass(slots=True)
class _List:
    items: list[_Item]


_Item = int | str | _List  # str items hold the comparable qualifier


def _string_item(value: str, followed_by_digit: bool) -> str:
    if followed_by_digit and len(value) == 1:
        value = {"a": "alpha", "b": "beta", "m": "milestone"}.get(value, value)
    return _comparable_qualifier(_ALIASES.get(value, value))


def _is_null(item: _Item) -> bool:
    if isinstance(item, int):
        return item == 0
    if isinstance(item, str):
        return item == _RELEASE_INDEX
    return not item.items


def _normalize(lst: _List) -> None:
    items = lst.items
    for i in range(len(items) - 1, -1, -1):
        if _is_null(items[i]):
            del items[i]
        elif not isinstance(items[i], _List):
            break


def maven_items(version: str) -> _List:
    """Parse like `ComparableVersion.parseVersion`."""
    text = version.lower()
    root = _List([])
    current = root
    stack = [root]
    is_digit = False
    start = 0

    def parse_item(digit: bool, buf: str) -> _Item:
        return int(buf) if digit else _string_item(buf, False)

    def open_list() -> None:
        nonlocal current
        new = _List([])
        current.items.append(new)
        current = new
        stack.append(new)

    for i, c in enumerate(text):
        if c in ".-":
            current.items.append(0 if i == start else parse_item(is_digit, text[start:i]))
            start = i + 1
            if c == "-":
                open_list()
        elif c.isdigit():
            if not is_digit and i > start:
                current.items.append(_string_item(text[start:i], True))
                start = i
                open_list()
            is_digit = True
        else:
            if is_digit and i > start:
                current.items.append(parse_item(True, text[start:i]))
                start = i
                open_list()
            is_digit = False
    if len(text) > start:
        current.items.append(parse_item(is_digit, text[start:]))
    while stack:
        _normalize(stack.pop())
    return root


def _compare_item(a: _Item, b: _Item | None) -> int:
    if isinstance(a, int):
        if b is None:
            return 0 if a == 0 else 1
        if isinstance(b, int):
            return (a > b) - (a < b)
        return 1  # 1.1 > 1-sp, 1.1 > 1-1
    if isinstance(a, str):
        if b is None:
            return _cmp_str(a, _RELEASE_INDEX)
        if isinstance(b, str):
            return _cmp_str(a, b)
        return -1  # 1.any < 1.1, 1.any < 1-1
    if b is None:
        return _compare_item(a.items[0], None) if a.items else 0
    if isinstance(b, int):
        return -1
    if isinstance(b, str):
        return 1
    return _compare_lists(a, b)


def _compare_lists(a: _List, b: _List) -> int:
    left, right = a.items, b.items
    for i in range(max(len(left), len(right))):
        lhs = left[i] if i < len(left) else None
        rhs = right[i] if i < len(right) else None
        if lhs is None:
            result = 0 if rhs is None else -_compare_item(rhs, None)
        else:
            result = _compare_item(lhs, rhs)
        if result:
            return result
    return 0


def maven_compare(a: _List, b: _List) -> int:
    return _compare_lists(a, b)


class MavenScheme(VersionScheme):
    name = "maven"

    def _parse(self, text: str) -> SortKey:
        version = text.strip()
        if not version or any(c.isspace() for c in version):
            raise self.error(text, "blank or contains spaces")
        return CmpKey(maven_items(version), maven_compare)
