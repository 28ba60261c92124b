"""Read raw OSV records (JSON or YAML) into caulk's `Affected` values, for the range tests.

Only what range evaluation needs; the real importer lives in `caulk.vulndb`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from caulk.vulndb.interface import Affected, AffectedRange, RangeEvent

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_LOADER)
    assert isinstance(data, dict)
    return data


def affected_entries(record: dict[str, Any]) -> Iterator[Affected]:
    for entry in record.get("affected") or []:
        package = entry.get("package") or {}
        ranges = tuple(
            AffectedRange(
                type=r["type"],
                events=tuple(
                    RangeEvent(**{k: str(v) for k, v in event.items()}) for event in r["events"]
                ),
                repo=r.get("repo"),
            )
            for r in entry.get("ranges") or []
        )
        yield Affected(
            ecosystem=package.get("ecosystem", ""),
            name=package.get("name", ""),
            ranges=ranges,
            versions=tuple(str(v) for v in entry.get("versions") or ()),
        )


def record_paths(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*") if p.suffix in {".json", ".yaml", ".yml"} and p.is_file()
    )
