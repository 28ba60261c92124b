"""Packs the embedded default advisory data (`caulk/data/advisories/`) from whole checkouts.

    python -m caulk.vulndb.embed /path/to/shared/data/advisories src/caulk/data/advisories

Every record of every source is packed (no selection): PyPA's and Alpine's YAML converted to JSON
(same content, read as the importer reads YAML; Alpine's is then the shape secdb.alpinelinux.org
publishes today), Go vulndb's JSON re-serialised compactly, the Debian security tracker's DSA/DLA
lists as published. `manifest.json` names each file with its kind, document count and cut-off date
(the newest record's `modified` or advisory date; a declared snapshot date where the records carry
none). Deterministic: the same input gives byte-identical files (sorted members, fixed timestamps),
so the data's hash (the key of the cached default database) only changes when the data does.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from caulk.safeload import load_yaml

__all__ = ["PACKS", "Pack", "build_embedded"]

_EPOCH = (2020, 1, 1, 0, 0, 0)
_LIST_DATE = re.compile(rb"^\[(\d{1,2} \w{3} \d{4})\] (?:DSA|DLA)-", re.MULTILINE)

Members = list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Pack:
    """One embedded file: what it holds and where it comes from (the README's table)."""

    file: str
    kind: str  # "advisories": imported by `build_store`; other kinds: see `defaults.LOADERS`
    folder: str  # under the advisories checkout
    origin: str
    snapshot: str = ""  # declared cut-off, for records that carry no date


PACKS = (
    Pack("pypa.zip", "advisories", "pypa/vulns", "pypa/advisory-database vulns/ (CC-BY-4.0)"),
    Pack(
        "go-vulndb.zip",
        "advisories",
        "go-vulndb",
        "golang/vulndb data/osv (CC-BY-4.0)",
        snapshot="2026-08-21",  # the repository's records carry zero timestamps (0001-01-01)
    ),
    Pack(
        "debian-lists.zip",
        "advisories",
        "debian-tracker-lists",
        "Debian security tracker data/DSA/list, data/DLA/list",
    ),
    Pack(
        "alpine-secdb.zip",
        "advisories",
        "alpine-secdb",
        "alpinelinux/alpine-secdb (deprecated; today secdb.alpinelinux.org)",
        snapshot="2020",
    ),
)


def _zip(out: Path, members: Iterable[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in sorted(members):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def _as_json(path: Path) -> bytes:
    """A YAML document as compact JSON, read exactly as the importer reads YAML (every scalar but
    null/bool stays a string): JSON parses ~10x faster, which keeps the first scan's build short."""
    doc = load_yaml(path.read_bytes(), where=str(path), scalars="strings")
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _pypa(root: Path) -> tuple[Members, list[str]]:
    members, dates = [], []
    for f in sorted(root.glob("*/*.yaml")):
        record = _as_json(f)
        members.append((f"{f.parent.name}/{f.stem}.json", record))
        dates.append(str(json.loads(record)["modified"])[:10])
    return members, dates


def _go(root: Path) -> tuple[Members, list[str]]:
    members, dates = [], []
    for f in sorted(root.glob("GO-*.json")):
        record = json.loads(f.read_bytes())
        members.append((f.name, json.dumps(record, separators=(",", ":")).encode()))
        if not str(record.get("modified", "")).startswith("0001-"):
            dates.append(str(record["modified"])[:10])
    return members, dates


def _debian_lists(root: Path) -> tuple[Members, list[str]]:
    members, dates = [], []
    for f in sorted(root.glob("D[SL]A.list")):
        data = f.read_bytes()
        members.append((f.name, data))
        dates += [
            datetime.strptime(d.decode(), "%d %b %Y").date().isoformat()
            for d in _LIST_DATE.findall(data)
        ]
    return members, dates


def _alpine(root: Path) -> tuple[Members, list[str]]:
    files = sorted(root.glob("v*/*.yaml"))
    return [(f"{f.parent.name}/{f.stem}.json", _as_json(f)) for f in files], []


def _json_records(root: Path) -> tuple[Members, list[str]]:
    """Any other pack: every JSON file under the folder, compacted; its date from OSV `modified`
    or CVE JSON 5 `cveMetadata.dateUpdated`."""
    members, dates = [], []
    for f in sorted(root.rglob("*.json")):
        record = json.loads(f.read_bytes())
        members.append((f.relative_to(root).as_posix(), json.dumps(record, separators=(",", ":"))))
        meta = record.get("cveMetadata") if isinstance(record, dict) else None
        stamp = (meta or {}).get("dateUpdated") or (record.get("modified") if meta is None else "")
        if isinstance(stamp, str) and stamp[:4].isdigit() and not stamp.startswith("0001-"):
            dates.append(stamp[:10])
    return [(n, d.encode()) for n, d in members], dates


_READERS = {  # packs that need their own reading; any other is `_json_records`
    "pypa.zip": _pypa,
    "go-vulndb.zip": _go,
    "debian-lists.zip": _debian_lists,
    "alpine-secdb.zip": _alpine,
}


# CVE metrics files (not advisories), packed by `python -m caulk.vulndb.metrics.pack` from inputs
# outside the advisories checkout; listed in the manifest with the kind `build_store` reads.
METRIC_PACKS = (
    (
        "vulnrichment.zip",
        "cve5",
        "cisagov/vulnrichment + CVE Program cvelistV5 (CC0-1.0 / CVE ToU)",
    ),
    ("nvd.zip", "nvd", "NVD via fkie-cad/nvd-json-data-feeds (public domain)"),
)


def _metrics_entry(path: Path, kind: str, origin: str) -> dict[str, object]:
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        records = [json.loads(archive.read(n)) for n in archive.namelist()]
    stamps = [
        str((r.get("cveMetadata") or {}).get("dateUpdated") or r.get("lastModified") or "")[:10]
        for r in records
    ]
    return {
        "file": path.name,
        "kind": kind,
        "documents": len(records),
        "cutoff": max((s for s in stamps if s[:4].isdigit()), default=""),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "origin": origin,
    }


def build_embedded(shared: Path, out: Path) -> dict[str, object]:
    """Write every pack and `manifest.json` into `out`; return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for pack in PACKS:
        members, dates = _READERS.get(pack.file, _json_records)(shared / pack.folder)
        if not members:
            raise SystemExit(f"{shared / pack.folder}: no records")
        _zip(out / pack.file, members)
        data = (out / pack.file).read_bytes()
        files.append(
            {
                "file": pack.file,
                "kind": pack.kind,
                "documents": len(members),
                "cutoff": max(dates) if dates else pack.snapshot,
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "origin": pack.origin,
            }
        )
        print(f"{pack.file}: {len(members)} documents, {len(data)} bytes")
    for file, kind, origin in METRIC_PACKS:  # built by `caulk.vulndb.metrics.pack`
        if (out / file).is_file():
            files.append(_metrics_entry(out / file, kind, origin))
    manifest: dict[str, object] = {"files": files}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


if __name__ == "__main__":
    if len(sys.argv) != 3 or not re.search(r"advisories/?$", sys.argv[1]):
        sys.exit("usage: python -m caulk.vulndb.embed SHARED/data/advisories OUT_DIR")
    build_embedded(Path(sys.argv[1]), Path(sys.argv[2]))
