"""JSON bytes as Go's `encoding/json.Marshal` writes them, so caulk's payloads, configs and
manifests are byte-identical to cosign's for the same input.

Go writes compact JSON, keeps struct fields in declaration order (callers build dicts in that
order), sorts map keys (callers pass `sort_keys` maps through `sorted_map`), leaves non-ASCII as
UTF-8 and escapes `<`, `>`, `&`, U+2028 and U+2029 as `\\u003c`-style sequences (HTML safety).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["go_marshal", "sorted_map"]

_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def sorted_map(value: Mapping[str, Any]) -> dict[str, Any]:
    """A Go `map[string]…` (recursively for nested plain maps): keys in byte order."""
    return {
        key: sorted_map(item) if isinstance(item, Mapping) else item
        for key, item in sorted(value.items(), key=lambda kv: kv[0].encode())
    }


def go_marshal(value: Any) -> bytes:
    """Compact JSON with Go's escaping. The characters escaped can only occur inside strings, so a
    textual replacement on the whole document is exact."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for char, escape in _HTML_ESCAPES.items():
        text = text.replace(char, escape)
    return text.encode("utf-8", "surrogatepass")
