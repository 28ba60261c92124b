"""Labels: valid keys, required labels with value types (hadolint's label-schema), strict mode."""

from __future__ import annotations

import re
from collections.abc import Iterator

from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.context import Hit, LintContext, register_check
from caulk.check.dockerfile.syntax import Instruction

__all__: list[str] = ["LABEL_TYPES"]

_KEY = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
_RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")
LABEL_TYPES = {
    "url": re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.I),
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "semver": re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"),
    "rfc3339": re.compile(
        r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
    ),
    "hash": re.compile(r"^[0-9a-f]{7,64}$"),
    "spdx": re.compile(r"^[A-Za-z0-9.+-]+(\s+(AND|OR|WITH)\s+[A-Za-z0-9.+-]+)*$"),
    "text": re.compile(r"[\s\S]*"),
}


@register_check(cat.LABEL_KEY, cat.LABEL_MISSING, cat.LABEL_EXTRA, cat.LABEL_VALUE)
def labels(ctx: LintContext) -> Iterator[Hit]:
    schema = dict(ctx.config.required_labels)
    final = ctx.dockerfile.final_stage
    seen: dict[str, tuple[Instruction, str]] = {}
    for ins, eff in ctx.effective():
        if eff.keyword != "LABEL":
            continue
        for p in eff.pairs:
            key = p.key
            if "$" in key:
                continue
            if not _KEY.match(key) or key.startswith(_RESERVED):
                yield Hit(
                    cat.LABEL_KEY, f"label key {key!r} is not a lower-case reverse-DNS name", ins
                )
            if final is not None and ins.stage == final.index:
                seen[key] = (ins, p.value or "")
            if ctx.config.strict_labels and schema and key not in schema:
                yield Hit(cat.LABEL_EXTRA, f"label {key!r} is not in the label schema", ins)
    if final is None:
        return
    for key, kind in schema.items():
        if key not in seen:
            yield Hit(
                cat.LABEL_MISSING, f"required label {key!r} is missing", final.from_instruction
            )
            continue
        ins, value = seen[key]
        pattern = LABEL_TYPES.get(kind)
        if pattern is not None and "$" not in value and not pattern.match(value):
            yield Hit(cat.LABEL_VALUE, f"label {key}={value!r} is not a valid {kind}", ins)
