"""OpenVEX input (https://github.com/openvex/spec, v0.2.0): statements with status
`not_affected` or `fixed` suppress the vulnerability for the products they name; `affected` and
`under_investigation` keep it. Products are package purls (a purl without version matches every
version), or the image itself (`pkg:oci/…`) with `subcomponents` naming packages; an image product
without subcomponents covers every package of the image. When several statements apply, the
latest `timestamp` wins, as the spec says: timestamps are RFC 3339 instants compared as such
(`+09:00` and `Z` alike); a malformed one is bad input, and a statement without any (none on it
nor on its document) never wins over a dated one."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caulk.errors import PolicyError
from caulk.instants import parse_instant
from caulk.match.ignore import purl_matches
from caulk.match.interface import Vulnerability
from caulk.safeload import DocumentError, load_json, read_regular

__all__ = ["VexStatement", "apply_vex", "load_openvex"]

_SUPPRESS = frozenset({"not_affected", "fixed"})
_STATUSES = _SUPPRESS | {"affected", "under_investigation"}


@dataclass(frozen=True, slots=True)
class VexStatement:
    vulnerability: frozenset[str]  # name and aliases
    products: tuple[str, ...]  # package purls, or image purls / digests
    subcomponents: tuple[str, ...]
    status: str
    justification: str
    timestamp: str
    source: str
    instant: dt.datetime | None = None  # `timestamp` parsed; None: the statement has none

    def covers(self, vuln: Vulnerability, image_ids: frozenset[str]) -> bool:
        if not self.vulnerability & {vuln.id, *vuln.aliases}:
            return False
        for product in self.products:
            if purl_matches(product, vuln.purl):
                return True
            if product in image_ids or _image_purl_matches(product, image_ids):
                return not self.subcomponents or any(
                    purl_matches(s, vuln.purl) for s in self.subcomponents
                )
        return False


def _image_purl_matches(product: str, image_ids: frozenset[str]) -> bool:
    if not product.startswith("pkg:oci/"):
        return False
    digest = product.partition("@")[2].partition("?")[0].replace("%3A", ":").replace("%3a", ":")
    return digest in image_ids


def _ids(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        out = [v for k in ("@id", "name") if isinstance(v := node.get(k), str)]
        aliases = node.get("aliases")
        if isinstance(aliases, list):
            out += [a for a in aliases if isinstance(a, str)]
        identifiers = node.get("identifiers")
        if isinstance(identifiers, dict):
            out += [v for v in identifiers.values() if isinstance(v, str)]
        return out
    return []


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def load_openvex(path: Path) -> tuple[VexStatement, ...]:
    try:
        doc = load_json(read_regular(path, what="VEX document"), where=str(path), what="VEX")
    except DocumentError as exc:
        raise PolicyError(exc.message, where=str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("statements"), list):
        raise PolicyError("not an OpenVEX document (no statements list)", where=str(path))
    default_time = doc.get("timestamp") or ""
    _instant(default_time, f"{path}: timestamp")
    out = []
    for i, raw in enumerate(doc["statements"]):
        where = f"{path}: statements[{i}]"
        if not isinstance(raw, dict):
            raise PolicyError(f"{where}: not an object")
        status = raw.get("status")
        if not isinstance(status, str) or status not in _STATUSES:
            raise PolicyError(f"{where}: unknown status {status!r}")
        names = _ids(raw.get("vulnerability"))
        if not names:
            raise PolicyError(f"{where}: no vulnerability name")
        products, subs = [], []
        for product in _list(raw.get("products")):
            products += _ids(product)
            if isinstance(product, dict):
                for sub in _list(product.get("subcomponents")):
                    subs += _ids(sub)
        if not products:
            raise PolicyError(f"{where}: no products")
        timestamp = raw.get("timestamp") or default_time
        out.append(
            VexStatement(
                vulnerability=frozenset(names),
                products=tuple(products),
                subcomponents=tuple(subs),
                status=str(status),
                justification=str(raw.get("justification") or raw.get("impact_statement") or ""),
                timestamp=str(timestamp),
                source=str(path),
                instant=_instant(timestamp, f"{where}: timestamp"),
            )
        )
    return tuple(out)


def _instant(value: object, where: str) -> dt.datetime | None:
    if value in ("", None):
        return None
    if not isinstance(value, str):
        raise PolicyError(f"{where}: not a string")
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise PolicyError(f"{where}: {exc}") from None


_UNDATED = dt.datetime.min.replace(tzinfo=dt.UTC)


def _recency(statement: VexStatement) -> dt.datetime:
    return statement.instant or _UNDATED


def apply_vex(
    statements: tuple[VexStatement, ...],
    vulnerabilities: tuple[Vulnerability, ...],
    image_ids: frozenset[str],
) -> tuple[Vulnerability, ...]:
    out = []
    for vuln in vulnerabilities:
        applicable = [s for s in statements if s.covers(vuln, image_ids)]
        if applicable and vuln.ignored is None:
            latest = max(applicable, key=_recency)
            if latest.status in _SUPPRESS:
                why = latest.justification or latest.status
                vuln = dataclasses.replace(vuln, ignored=f"VEX {latest.status}: {why}")
        out.append(vuln)
    return tuple(out)
