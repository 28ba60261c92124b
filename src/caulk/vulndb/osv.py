"""OSV records (https://ossf.github.io/osv-schema/) → `Advisory`.

Kept: aliases (plus the `upstream` ids of schema 1.7: Red Hat's and Ubuntu's records name their
CVEs there, USNs their UBUNTU-CVE records; Red Hat/AlmaLinux/Rocky errata and SUSE notices
that name their CVEs only under `related` get those as aliases),
related, withdrawn (stored, never returned by queries), CVSS vectors, vendor labels from
`database_specific.severity` (GHSA's "MODERATE"…) and `ecosystem_specific.severity`/`urgency`
(Ubuntu/Debian), `ecosystem_specific` as JSON strings. A record that breaks the schema raises
`MalformedRecordError`; the caller skips and counts it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from caulk.vulndb.interface import Advisory, Affected, AffectedRange, RangeEvent, SeverityScore
from caulk.vulndb.names import normalize_name

__all__ = ["MalformedRecordError", "is_osv_record", "parse_osv"]

_EVENT_KEYS = frozenset({"introduced", "fixed", "last_affected", "limit"})
# Red Hat, AlmaLinux, Rocky errata; SUSE/openSUSE update notices
_ERRATA = re.compile(r"(?:RH|AL|RL)[SBE]A-\d{4}:\d+|(?:open)?SUSE-[SRO]U-\d{4}:\d+-\d+")


class MalformedRecordError(ValueError):
    """One record does not follow its format; the message says what is wrong."""


def is_osv_record(doc: object) -> bool:
    return isinstance(doc, dict) and "id" in doc and ("affected" in doc or "modified" in doc)


def _str(value: object, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise MalformedRecordError(f"{what} is not a string")


def _opt_str(value: object, what: str) -> str | None:
    return None if value is None else _str(value, what)


def _list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedRecordError(f"{what} is not a list")
    return value


def _dict(value: object, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedRecordError(f"{what} is not an object")
    return value


def _scores(raw: object, what: str) -> list[SeverityScore]:
    out = []
    for item in _list(raw, what):
        entry = _dict(item, what)
        out.append(
            SeverityScore(
                _str(entry.get("type"), f"{what}.type"), _str(entry.get("score"), f"{what}.score")
            )
        )
    return out


def _vendor_label(specific: dict[str, Any]) -> list[SeverityScore]:
    for key in ("severity", "urgency"):
        label = specific.get(key)
        if isinstance(label, str) and label.strip():
            return [SeverityScore("vendor", label.strip().upper())]
    return []


def _event(raw: object) -> RangeEvent:
    entry = _dict(raw, "event")
    keys = [k for k in entry if k in _EVENT_KEYS]
    if len(keys) != 1:
        raise MalformedRecordError(
            f"event {entry!r} must have exactly one of introduced/fixed/last_affected/limit"
        )
    return RangeEvent(**{keys[0]: _str(entry[keys[0]], keys[0])})


def _range(raw: object) -> AffectedRange:
    entry = _dict(raw, "range")
    events = tuple(_event(ev) for ev in _list(entry.get("events"), "range.events"))
    if not events:
        raise MalformedRecordError("range without events")
    return AffectedRange(
        type=_str(entry.get("type"), "range.type"),
        events=events,
        repo=_opt_str(entry.get("repo"), "range.repo"),
    )


def _affected(raw: object) -> Affected | None:
    entry = _dict(raw, "affected")
    package = _dict(entry.get("package"), "affected.package")
    if not package:
        return None  # GIT-only entries name no package: nothing an installed package can match
    ecosystem = _str(package.get("ecosystem"), "package.ecosystem")
    name = _str(package.get("name"), "package.name")
    eco_specific = _dict(entry.get("ecosystem_specific"), "ecosystem_specific")
    severity = _scores(entry.get("severity"), "affected.severity")
    severity += _vendor_label(eco_specific) or _vendor_label(
        _dict(entry.get("database_specific"), "database_specific")
    )
    return Affected(
        ecosystem=ecosystem,
        name=normalize_name(ecosystem, name),
        ranges=tuple(_range(r) for r in _list(entry.get("ranges"), "ranges")),
        versions=tuple(_str(v, "versions[]") for v in _list(entry.get("versions"), "versions")),
        purl=_opt_str(package.get("purl"), "package.purl"),
        severity=tuple(severity),
        ecosystem_specific=tuple(
            (str(k), json.dumps(v, separators=(",", ":"), sort_keys=True))
            for k, v in sorted(eco_specific.items())
        ),
    )


def _aliases(doc: dict[str, Any], adv_id: str) -> tuple[str, ...]:
    names = [
        _str(a, f"{key}[]") for key in ("aliases", "upstream") for a in _list(doc.get(key), key)
    ]
    if _ERRATA.match(adv_id) and not any(n.startswith("CVE-") for n in names):
        # errata name the CVEs they fix under `related` (AlmaLinux, Red Hat before schema 1.7)
        names += [r for r in _list(doc.get("related"), "related") if str(r).startswith("CVE-")]
    return tuple(dict.fromkeys(n for n in names if n != adv_id))


def parse_osv(doc: object, source: str) -> Advisory:
    """One OSV record (already decoded from JSON or YAML) → `Advisory`."""
    if not isinstance(doc, dict):
        raise MalformedRecordError("record is not an object")
    adv_id = _str(doc.get("id"), "id").strip()
    if not adv_id:
        raise MalformedRecordError("empty id")
    severity = _scores(doc.get("severity"), "severity")
    severity += _vendor_label(_dict(doc.get("database_specific"), "database_specific"))
    references = []
    for ref in _list(doc.get("references"), "references"):
        url = _dict(ref, "reference").get("url")
        if isinstance(url, str):
            references.append(url)
    affected = [a for a in (_affected(raw) for raw in _list(doc.get("affected"), "affected")) if a]
    return Advisory(
        id=adv_id,
        source=source,
        aliases=_aliases(doc, adv_id),
        related=tuple(_str(a, "related[]") for a in _list(doc.get("related"), "related")),
        summary=_opt_str(doc.get("summary"), "summary") or "",
        details=_opt_str(doc.get("details"), "details") or "",
        published=_opt_str(doc.get("published"), "published"),
        modified=_opt_str(doc.get("modified"), "modified"),
        withdrawn=_opt_str(doc.get("withdrawn"), "withdrawn"),
        severity=tuple(severity),
        references=tuple(references),
        affected=tuple(affected),
    )
