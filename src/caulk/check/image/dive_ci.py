"""Read dive's `.dive-ci` file into `CheckOptions`, with dive's own value rules:

rules:
  lowestEfficiency: 0.95          # ratio 0-1: fail when efficiency < value
  highestWastedBytes: 20MB        # go-humanize (MB = 10^6, MiB = 2^20): fail when wasted > value
  highestUserWastedPercent: 0.2   # ratio 0-1: fail when user-wasted ratio > value
# any value may be "disabled"; a missing key keeps dive's default
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

from caulk.check.image.interface import CheckOptions
from caulk.errors import UsageError
from caulk.safeload import DocumentError, load_yaml, read_regular

__all__ = ["load_dive_ci", "parse_bytes"]

_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "ki": 1024, "kib": 1024,
    "m": 1000**2, "mb": 1000**2, "mi": 1024**2, "mib": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gi": 1024**3, "gib": 1024**3,
    "t": 1000**4, "tb": 1000**4, "ti": 1024**4, "tib": 1024**4,
    "p": 1000**5, "pb": 1000**5, "pi": 1024**5, "pib": 1024**5,
    "e": 1000**6, "eb": 1000**6, "ei": 1024**6, "eib": 1024**6,
}  # fmt: skip
log = logging.getLogger(__name__)

_BYTES = re.compile(r"([0-9.,]+)(.*)")
_KEYS = ("lowestEfficiency", "highestWastedBytes", "highestUserWastedPercent")


def parse_bytes(text: str) -> int:
    """go-humanize `ParseBytes`: "20MB" -> 20000000, "1.5 GiB", "1,000". Raises ValueError."""
    match = _BYTES.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a byte size: {text!r}")
    unit = match.group(2).strip().lower()
    if unit not in _UNITS:
        raise ValueError(f"unknown size unit {match.group(2).strip()!r}")
    return int(float(match.group(1).replace(",", "")) * _UNITS[unit])


def _ratio(value: object, key: str, where: str) -> float | None:
    if isinstance(value, str) and value.strip() == "disabled":
        return None
    try:
        return float(str(value))
    except ValueError:
        raise UsageError(
            f"rules.{key}: {value!r} is not a ratio or 'disabled'", where=where
        ) from None


def _size(value: object, where: str) -> int | None:
    if isinstance(value, str) and value.strip() == "disabled":
        return None
    try:
        return parse_bytes(str(value))
    except ValueError as exc:
        raise UsageError(f"rules.highestWastedBytes: {exc}", where=where) from None


def load_dive_ci(path: Path, base: CheckOptions | None = None) -> CheckOptions:
    """`base` (default: `CheckOptions()`, i.e. dive's defaults) with the thresholds of the file."""
    where = str(path)
    base = base or CheckOptions()
    try:  # a .dive-ci from the repository under scan: bounded, no aliases, nothing echoed
        raw = read_regular(path, max_bytes=1 << 20, what="dive CI file")
        doc = load_yaml(raw, where=where, what="dive CI file")
    except DocumentError as exc:
        raise UsageError(exc.message, where=where) from None
    rules = (doc or {}).get("rules", {}) if isinstance(doc, dict) or doc is None else None
    if not isinstance(rules, dict):
        raise UsageError("expected a mapping with a 'rules' mapping", where=where)
    unknown = sorted(set(map(str, rules)) - set(_KEYS))
    if unknown:  # dive ignores them too; say so, a typo silently disables nothing
        log.warning("%s: ignoring unknown dive rule(s) %s", where, ", ".join(unknown))
    options = base
    if "lowestEfficiency" in rules:
        value = _ratio(rules["lowestEfficiency"], "lowestEfficiency", where)
        options = replace(options, lowest_efficiency=value)
    if "highestWastedBytes" in rules:
        options = replace(options, highest_wasted_bytes=_size(rules["highestWastedBytes"], where))
    if "highestUserWastedPercent" in rules:
        value = _ratio(rules["highestUserWastedPercent"], "highestUserWastedPercent", where)
        options = replace(options, highest_user_wasted_percent=value)
    return options
