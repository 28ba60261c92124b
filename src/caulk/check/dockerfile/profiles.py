"""dockerfile_lint profiles as dockerfile_lint reads them: the YAML (js-yaml accepts a tab after a
value, PyYAML does not), `profile.includes` and the merge of included profiles, and what of a
profile caulk cannot honour (refused with the reason instead of silently ignored).

Includes (dockerfile_lint's `rulefile-loader.js`): file names relative to the including file's
directory, loaded depth-first; a file included twice on one path is a cycle (refused). The
profiles are merged deepest-first, so the including file wins: mappings merge key by key, lists
are concatenated (`rules` of one instruction add up), other values are replaced;
`required_instructions` are keyed by instruction, so a later one replaces an earlier one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from caulk.errors import UsageError
from caulk.safeload import DocumentError, load_yaml, read_regular

__all__ = ["MAX_INCLUDES", "read_yaml", "resolve_includes"]

MAX_RULE_FILE_BYTES = 1 << 20
MAX_INCLUDES = 64  # profiles per rule file, includes included
_UNIMPLEMENTED = ("discouraged_instructions", "mutually_exclusive_instructions")


def read_yaml(path: Path, what: str = "rule file") -> Any:
    """One rule file or included profile: a regular file of at most MAX_RULE_FILE_BYTES, read
    through the safe loader; errors are one line and never echo the file's content."""
    where = str(path)
    try:
        data = read_regular(path, max_bytes=MAX_RULE_FILE_BYTES, what=what)
        try:
            return load_yaml(data, where=where, what=what)
        except DocumentError:  # a tab after a value: js-yaml reads it, PyYAML refuses it
            text = re.sub(rb"[ \t]+$", b"", data, flags=re.M)
            return load_yaml(text, where=where, what=what)
    except DocumentError as exc:
        raise UsageError(exc.message, where=where) from None


def resolve_includes(data: dict[str, Any], where: str) -> dict[str, Any]:
    """The profile with its `profile.includes` merged in (dockerfile_lint's order and rules)."""
    loaded: list[dict[str, Any]] = []
    _load(data, Path(where), [Path(where).name], loaded, where)
    merged: dict[str, Any] = {}
    for profile in reversed(loaded):
        _merge(merged, _keyed(profile, where))
    if isinstance(merged.get("required_instructions"), dict):
        merged["required_instructions"] = list(merged["required_instructions"].values())
    for key in _UNIMPLEMENTED:
        if merged.get(key):
            raise UsageError(
                f"`{key}` cannot be honoured: dockerfile_lint declares it but never applies it"
                " (use caulk `rules:` instead)",
                where=where,
            )
    return merged


def _includes(data: dict[str, Any], where: str) -> list[str]:
    profile = data.get("profile")
    if not isinstance(profile, dict) or not profile.get("includes"):
        return []
    includes = profile["includes"]
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise UsageError("profile.includes must be a list of file names", where=where)
    return includes


def _load(
    data: dict[str, Any], path: Path, chain: list[str], out: list[dict[str, Any]], top: str
) -> None:
    out.append(data)
    if len(out) > MAX_INCLUDES:
        raise UsageError(f"more than {MAX_INCLUDES} included profiles", where=top)
    for name in _includes(data, str(path)):
        if name in chain:
            raise UsageError(
                f"cyclic include of {name!r}: {' -> '.join([*chain, name])}", where=top
            )
        included = path.parent / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise UsageError(
                f"include {name!r} must name a file beside {path.name}"
                " (dockerfile_lint loads includes from the same directory)",
                where=str(path),
            )
        if not included.resolve().is_relative_to(path.parent.resolve()):
            raise UsageError(f"include {name!r} leads out of {path.parent}", where=str(path))
        child = read_yaml(included, "included profile")
        if not isinstance(child, dict):
            raise UsageError("an included profile must be a mapping", where=str(included))
        _load(child, included, [*chain, name], out, top)


def _keyed(profile: dict[str, Any], where: str) -> dict[str, Any]:
    """A copy where `required_instructions` is keyed by instruction (as dockerfile_lint merges)."""
    copy = dict(profile)
    required = copy.get("required_instructions")
    if isinstance(required, list):
        keyed: dict[str, Any] = {}
        for k, item in enumerate(required):
            if not isinstance(item, dict) or "instruction" not in item:
                raise UsageError(f"required_instructions[{k}] needs an instruction", where=where)
            keyed[str(item["instruction"]).upper()] = item
        copy["required_instructions"] = keyed
    return copy


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        have = into.get(key)
        if isinstance(have, dict) and isinstance(value, dict):
            merged = dict(have)
            _merge(merged, value)
            into[key] = merged
        elif isinstance(have, list) and isinstance(value, list):
            into[key] = [*have, *value]
        else:
            into[key] = value
