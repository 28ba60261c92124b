"""`read_sbom(path)`: a CycloneDX or SPDX JSON file → (`Inventory`, `Target`), for `sbom:FILE`."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from caulk.catalog.interface import Inventory
from caulk.errors import InputError
from caulk.model import Target
from caulk.safeload import DEFAULT_LIMITS, DocumentError, load_json
from caulk.sbom.cyclonedx_in import parse_cyclonedx
from caulk.sbom.inventory import build_inventory, build_target
from caulk.sbom.spdx_in import parse_spdx

__all__ = ["MAX_SBOM_BYTES", "read_sbom"]

log = logging.getLogger(__name__)

MAX_SBOM_BYTES = 1 << 30
_LIMITS = DEFAULT_LIMITS.but(max_bytes=MAX_SBOM_BYTES, max_containers=10_000_000)


def read_sbom(path: str | Path) -> tuple[Inventory, Target]:
    """Read a CycloneDX (1.2 to 1.7) or SPDX (2.2/2.3) JSON SBOM. Raises `InputError` naming the
    file when it is not one; problems with single packages become `Unknown`s instead."""
    where = str(path)
    data, digest = _load(Path(path), where)
    if data.get("bomFormat") == "CycloneDX":
        doc = parse_cyclonedx(data, where)
    elif str(data.get("spdxVersion", "")).startswith("SPDX-2"):
        doc = parse_spdx(data, where)
    elif "spdxVersion" in data or "@context" in data:
        version = data.get("spdxVersion") or "SPDX 3 (JSON-LD)"
        raise InputError(
            f"unsupported SPDX version {version!r} (caulk reads 2.2 and 2.3)", where=where
        )
    else:
        raise InputError("not a CycloneDX or SPDX JSON SBOM", where=where)
    inventory = build_inventory(doc, where)
    target = build_target(doc, where, digest)
    log.debug("%s: %s, %d packages", where, doc.format, len(inventory.packages))
    return inventory, target


def _load(path: Path, where: str) -> tuple[dict[str, Any], str]:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_SBOM_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file", where=where) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=where) from None
    if len(raw) > MAX_SBOM_BYTES:
        raise InputError(f"SBOM larger than {MAX_SBOM_BYTES >> 20} MiB", where=where)
    try:
        data = load_json(raw, where=where, what="SBOM", limits=_LIMITS)
    except DocumentError as exc:
        raise InputError(exc.message, where=where) from None
    if not isinstance(data, dict):
        raise InputError("not a CycloneDX or SPDX JSON SBOM: not a JSON object", where=where)
    return data, "sha256:" + hashlib.sha256(raw).hexdigest()
