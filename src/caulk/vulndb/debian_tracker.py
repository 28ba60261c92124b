"""The Debian security tracker JSON → advisories.

URL: https://security-tracker.debian.org/tracker/data/json.

Shape: `{source_package: {"CVE-…": {description, scope, debianbug, releases: {codename: {status,
fixed_version, urgency, nodsa, nodsa_reason, repositories}}}}}`. One `Advisory` per CVE (id
`DEBIAN-CVE-…`, alias the CVE), one `Affected` per (release, source package), ecosystem
`Debian:<n>`.

Status mapping (as the tracker's own web pages read it):
- resolved + fixed_version "0"         → not_affected (the code was never in that release)
- resolved + fixed_version V           → fixed (range introduced 0, fixed V)
- open/undetermined + urgency end-of-life → end_of_life
- open + nodsa_reason "ignored"        → will_not_fix
- open + nodsa_reason "postponed"      → fix_deferred
- open/undetermined otherwise          → affected (a bare `nodsa` gets fixed in a point release)
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from caulk.vulndb.interface import (
    Advisory,
    Affected,
    AffectedRange,
    DistroStatus,
    RangeEvent,
    SeverityScore,
)
from caulk.vulndb.tally import Tally

__all__ = ["CODENAMES", "SOURCE", "debian_ecosystem", "is_tracker_dump", "parse_tracker"]

log = logging.getLogger(__name__)

SOURCE = "debian-tracker"
CODENAMES = {
    "buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1", "potato": "2.2",
    "woody": "3.0", "sarge": "3.1", "etch": "4", "lenny": "5", "squeeze": "6", "wheezy": "7",
    "jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12",
    "trixie": "13", "forky": "14", "duke": "15",
}  # fmt: skip
_URGENCY = {"low": "LOW", "medium": "MEDIUM", "high": "HIGH", "unimportant": "NEGLIGIBLE"}
_ALL_VERSIONS = (AffectedRange("ECOSYSTEM", (RangeEvent(introduced="0"),)),)


def debian_ecosystem(codename: str) -> str:
    """`bookworm` → `Debian:12`; unknown codenames (sid, experimental) keep their name."""
    return f"Debian:{CODENAMES.get(codename, codename)}"


def is_tracker_dump(doc: object) -> bool:
    if not isinstance(doc, dict) or not doc or "id" in doc or "packages" in doc:
        return False
    for issues in list(doc.values())[:5]:
        if isinstance(issues, dict):
            for issue in list(issues.values())[:5]:
                if isinstance(issue, dict) and "releases" in issue:
                    return True
    return False


def _status(rel: dict[str, Any]) -> tuple[DistroStatus, tuple[AffectedRange, ...]] | None:
    status = rel.get("status")
    fixed = str(rel.get("fixed_version") or "").strip()
    urgency = str(rel.get("urgency") or "")
    reason = str(rel.get("nodsa_reason") or "")
    if status == "resolved":
        if fixed == "0":
            return "not_affected", ()
        if fixed:
            events = (RangeEvent(introduced="0"), RangeEvent(fixed=fixed))
            return "fixed", (AffectedRange("ECOSYSTEM", events),)
        return None
    if status not in ("open", "undetermined"):
        raise ValueError(f"unknown status {status!r}")
    if urgency.startswith("end-of-life"):
        return "end_of_life", _ALL_VERSIONS
    if reason == "ignored":
        return "will_not_fix", _ALL_VERSIONS
    if reason == "postponed":
        return "fix_deferred", _ALL_VERSIONS
    return "affected", _ALL_VERSIONS


def _affected(package: str, codename: str, rel: dict[str, Any]) -> Affected | None:
    mapped = _status(rel)
    if mapped is None:
        log.debug("%s %s: resolved without a fixed version", package, codename)
        return None
    status, ranges = mapped
    urgency = str(rel.get("urgency") or "").strip("* ")
    label = _URGENCY.get(urgency)
    specific = {k: rel[k] for k in ("urgency", "nodsa", "nodsa_reason") if rel.get(k)}
    specific["release"] = codename
    return Affected(
        ecosystem=debian_ecosystem(codename),
        name=package,
        ranges=ranges,
        purl=f"pkg:deb/debian/{package}?arch=source",
        status=status,
        severity=(SeverityScore("vendor", label),) if label else (),
        ecosystem_specific=tuple((k, json.dumps(v)) for k, v in sorted(specific.items())),
    )


def parse_tracker(doc: dict[str, Any], where: str, tally: Tally) -> Iterator[Advisory]:
    """Yield one advisory per issue; malformed package/issue entries are skipped and counted."""
    by_issue: dict[str, list[Affected]] = defaultdict(list)
    text: dict[str, tuple[str, Any]] = {}
    for package, issues in doc.items():
        if not isinstance(issues, dict):
            tally.skip(f"{where}: {package}", "package entry is not an object")
            continue
        for issue, info in issues.items():
            try:
                releases = info["releases"]
                if not isinstance(releases, dict):
                    raise TypeError("releases is not an object")
                for codename, rel in releases.items():
                    tally.ecosystem(debian_ecosystem(codename))
                    aff = _affected(package, codename, rel)
                    if aff is not None:
                        by_issue[issue].append(aff)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                tally.skip(f"{where}: {package}/{issue}", f"malformed tracker entry: {exc}")
                continue
            if issue not in text:
                text[issue] = (str(info.get("description") or ""), info.get("debianbug"))
    for issue, affected in by_issue.items():
        description, bug = text.get(issue, ("", None))
        refs = [f"https://security-tracker.debian.org/tracker/{issue}"]
        if bug:
            refs.append(f"https://bugs.debian.org/{bug}")
        yield Advisory(
            id=f"DEBIAN-{issue}",
            source=SOURCE,
            aliases=(issue,) if issue.startswith("CVE-") else (),
            summary=description.split("\n", 1)[0][:200],
            details=description,
            references=tuple(refs),
            affected=tuple(affected),
        )
