"""Builds the embedded metrics files (`caulk/data/advisories/{vulnrichment,nvd}.zip`).

    python -m caulk.vulndb.metrics.pack VULNRICHMENT_DIR NVD_FILE OUT_DIR

`VULNRICHMENT_DIR` holds CVE JSON 5 records (CISA vulnrichment layout); each is kept as a CVE
record with only what caulk reads (`dataType`, `dataVersion`, `cveMetadata`, and per container
`providerMetadata`, `title`, `metrics`). `NVD_FILE` is an NVD API 2.0 page; each `cve` object
becomes one member, as in fkie-cad/nvd-json-data-feeds. Deterministic: sorted members, fixed
timestamps, so the embedded data's hash only changes when the data does.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

__all__ = ["pack_nvd", "pack_vulnrichment"]

_EPOCH = (1980, 1, 1, 0, 0, 0)
_CONTAINER_KEYS = ("providerMetadata", "title", "metrics")


def _write(out: Path, members: dict[str, Any]) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            data = json.dumps(members[name], separators=(",", ":"), sort_keys=True)
            archive.writestr(info, data.encode())


def _container(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: raw[k] for k in _CONTAINER_KEYS if k in raw}


def pack_vulnrichment(source: Path, out: Path) -> int:
    members = {}
    for path in sorted(source.rglob("CVE-*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        containers = doc.get("containers", {})
        kept: dict[str, Any] = {}
        if "cna" in containers:
            kept["cna"] = _container(containers["cna"])
        adps = [_container(a) for a in containers.get("adp", []) if a.get("metrics")]
        if adps:
            kept["adp"] = adps
        members[path.relative_to(source).as_posix()] = {
            "dataType": doc["dataType"],
            "dataVersion": doc.get("dataVersion"),
            "cveMetadata": doc["cveMetadata"],
            "containers": kept,
        }
    _write(out, members)
    return len(members)


def pack_nvd(page: Path, out: Path) -> int:
    doc = json.loads(page.read_text(encoding="utf-8"))
    members = {f"{v['cve']['id']}.json": v["cve"] for v in doc["vulnerabilities"]}
    _write(out, members)
    return len(members)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    vulnrichment, nvd, out = (Path(a) for a in argv)
    print(f"vulnrichment.zip: {pack_vulnrichment(vulnrichment, out / 'vulnrichment.zip')} records")
    print(f"nvd.zip: {pack_nvd(nvd, out / 'nvd.zip')} records")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
