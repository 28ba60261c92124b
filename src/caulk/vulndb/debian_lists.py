"""The Debian security tracker's advisory lists (`data/DSA/list`, `data/DLA/list`) → advisories.

    [07 Feb 2023] DSA-5343-1 openssl - security update
        {CVE-2022-2097 CVE-2022-4304}
        [bullseye] - openssl 1.1.1n-0+deb11u4
        [buster] - openssl <not-affected> (vulnerable code not present)

One `Advisory` per DSA/DLA (aliases: the CVEs), one `Affected` per release line: a version → fixed
(range introduced 0, fixed V); `<not-affected>` → not_affected; `<end-of-life>` → end_of_life;
`<unfixed>` → affected. `NOTE:` lines are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from caulk.vulndb.debian_tracker import debian_ecosystem
from caulk.vulndb.interface import Advisory, Affected, AffectedRange, DistroStatus, RangeEvent
from caulk.vulndb.tally import Tally

__all__ = ["SOURCE", "is_advisory_list", "parse_advisory_list"]

SOURCE = "debian-lists"
_HEADER = re.compile(r"^\[(\d{1,2} \w{3} \d{4})\] ((?:DSA|DLA)-\d+(?:-\d+)?)\s+(.*?)\s*$")
_CVES = re.compile(r"^\s+\{(.*)\}\s*$")
_RELEASE = re.compile(r"^\s+\[([a-z-]+)\] - (\S+)\s+(.+?)\s*$")
_TAGS: dict[str, DistroStatus] = {
    "not-affected": "not_affected",
    "end-of-life": "end_of_life",
    "unfixed": "affected",
}


def is_advisory_list(data: bytes) -> bool:
    return _HEADER.match(data[:200].decode("utf-8", "replace").split("\n", 1)[0]) is not None


def _affected(codename: str, package: str, what: str) -> Affected:
    purl = f"pkg:deb/debian/{package}?arch=source"
    if what.startswith("<"):
        tag = what[1:].split(">", 1)[0]
        if tag not in _TAGS:
            raise ValueError(f"unknown tag <{tag}>")
        ranges = (
            ()
            if tag == "not-affected"
            else (AffectedRange("ECOSYSTEM", (RangeEvent(introduced="0"),)),)
        )
        return Affected(debian_ecosystem(codename), package, ranges, purl=purl, status=_TAGS[tag])
    events = (RangeEvent(introduced="0"), RangeEvent(fixed=what.split()[0]))
    return Affected(
        debian_ecosystem(codename),
        package,
        (AffectedRange("ECOSYSTEM", events),),
        purl=purl,
        status="fixed",
    )


def parse_advisory_list(text: str, where: str, tally: Tally) -> Iterator[Advisory]:
    current: dict[str, object] | None = None
    affected: list[Affected] = []
    aliases: list[str] = []

    def finish() -> Advisory | None:
        if current is None:
            return None
        return Advisory(
            id=str(current["id"]),
            source=SOURCE,
            aliases=tuple(aliases),
            summary=str(current["summary"]),
            published=str(current["published"]),
            modified=str(current["published"]),
            references=(f"https://security-tracker.debian.org/tracker/{current['id']}",),
            affected=tuple(affected),
        )

    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.strip().startswith("NOTE:"):
            continue
        if header := _HEADER.match(line):
            if (adv := finish()) is not None:
                yield adv
            try:
                day = datetime.strptime(header.group(1), "%d %b %Y").date().isoformat()
            except ValueError:  # "[0 Feb 2023]": skip this advisory, not the whole list
                tally.skip(f"{where}:{number}", f"bad date {header.group(1)[:20]!r}")
                current = None
                continue
            current = {
                "id": header.group(2),
                "summary": header.group(3),
                "published": f"{day}T00:00:00Z",
            }
            affected, aliases = [], []
        elif current is not None and (cves := _CVES.match(line)):
            aliases.extend(cves.group(1).split())
        elif current is not None and (release := _RELEASE.match(line)):
            try:
                affected.append(_affected(*release.groups()))
            except ValueError as exc:
                tally.skip(f"{where}:{number}", str(exc))
        else:
            tally.skip(f"{where}:{number}", f"unexpected line {line.strip()[:60]!r}")
    if (adv := finish()) is not None:
        yield adv
