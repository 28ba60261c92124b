"""Advisory ⇄ compact JSON blob, as stored in the `advisories` table.

Short keys, empty fields left out: the blob is the only copy of an advisory in the store, and
decoding it must be cheap because matchers decode one per (package, advisory) pair.
"""

from __future__ import annotations

import json
from typing import Any, cast

from caulk.vulndb.interface import (
    Advisory,
    Affected,
    AffectedRange,
    DistroStatus,
    RangeEvent,
    SeverityScore,
)

__all__ = ["decode_advisory", "encode_advisory"]

_EVENT_KEYS = ("introduced", "fixed", "last_affected", "limit")
_EVENT_CODES = {"introduced": "i", "fixed": "f", "last_affected": "l", "limit": "x"}
_CODE_EVENTS = {code: key for key, code in _EVENT_CODES.items()}


def _event_out(event: RangeEvent) -> list[str]:
    for key in _EVENT_KEYS:
        value = getattr(event, key)
        if value is not None:
            return [_EVENT_CODES[key], value]
    return []


def _event_in(pair: list[str]) -> RangeEvent:
    return RangeEvent(**{_CODE_EVENTS[pair[0]]: pair[1]})


def _sev_out(scores: tuple[SeverityScore, ...]) -> list[list[str]]:
    return [[s.type, s.score] for s in scores]


def _sev_in(rows: list[list[str]]) -> tuple[SeverityScore, ...]:
    return tuple(SeverityScore(t, s) for t, s in rows)


def _affected_out(aff: Affected) -> dict[str, Any]:
    out: dict[str, Any] = {"e": aff.ecosystem, "n": aff.name}
    if aff.ranges:
        out["r"] = [
            {
                "t": r.type,
                "v": [_event_out(ev) for ev in r.events],
                **({"g": r.repo} if r.repo else {}),
            }
            for r in aff.ranges
        ]
    if aff.versions:
        out["v"] = list(aff.versions)
    if aff.purl:
        out["p"] = aff.purl
    if aff.status:
        out["st"] = aff.status
    if aff.severity:
        out["sv"] = _sev_out(aff.severity)
    if aff.ecosystem_specific:
        out["es"] = [list(pair) for pair in aff.ecosystem_specific]
    return out


def _affected_in(raw: dict[str, Any]) -> Affected:
    return Affected(
        ecosystem=raw["e"],
        name=raw["n"],
        ranges=tuple(
            AffectedRange(
                type=r["t"], events=tuple(_event_in(ev) for ev in r["v"]), repo=r.get("g")
            )
            for r in raw.get("r", ())
        ),
        versions=tuple(raw.get("v", ())),
        purl=raw.get("p"),
        status=cast(DistroStatus | None, raw.get("st")),
        severity=_sev_in(raw.get("sv", [])),
        ecosystem_specific=tuple((k, v) for k, v in raw.get("es", ())),
    )


def encode_advisory(adv: Advisory) -> str:
    out: dict[str, Any] = {"i": adv.id, "s": adv.source}
    optional: dict[str, Any] = {
        "a": list(adv.aliases),
        "rl": list(adv.related),
        "su": adv.summary,
        "d": adv.details,
        "p": adv.published,
        "m": adv.modified,
        "w": adv.withdrawn,
        "sv": _sev_out(adv.severity),
        "rf": list(adv.references),
        "af": [_affected_out(a) for a in adv.affected],
    }
    out.update((k, v) for k, v in optional.items() if v)
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


def decode_advisory(blob: str | bytes) -> Advisory:
    raw: dict[str, Any] = json.loads(blob)
    return Advisory(
        id=raw["i"],
        source=raw["s"],
        aliases=tuple(raw.get("a", ())),
        related=tuple(raw.get("rl", ())),
        summary=raw.get("su", ""),
        details=raw.get("d", ""),
        published=raw.get("p"),
        modified=raw.get("m"),
        withdrawn=raw.get("w"),
        severity=_sev_in(raw.get("sv", [])),
        references=tuple(raw.get("rf", ())),
        affected=tuple(_affected_in(a) for a in raw.get("af", ())),
    )
