"""Amazon Linux security advisories (ALAS) from a repository's `updateinfo.xml` → advisories.

The repositories of Amazon Linux 2 and 2023 publish their errata as yum/dnf `updateinfo.xml`
(gzip-compressed, named by `repodata/repomd.xml`):

    <updates><update type="security" status="final" …>
      <id>ALAS2023-2023-001</id><title>…</title><issued date="…"/><updated date="…"/>
      <severity>Important</severity><description>…</description>
      <references><reference id="CVE-2022-24903" type="cve" href="…"/>…</references>
      <pkglist><collection short="amazonlinux"><name>Amazon Linux 2023</name>
        <package name="rsyslog" epoch="0" version="8.2204.0" release="3.amzn2023.0.2" …>

One `Advisory` per security update (id the ALAS id, aliases its CVEs: the matcher reports one
vulnerability per CVE), one `Affected` per binary package name (every architecture ships the same
EVR), fixed at `epoch:version-release`. The release is read from the id: `ALAS2023-` →
`Amazon Linux:2023`, `ALAS2-` → `Amazon Linux:2`, `ALAS-` → `Amazon Linux:1` (2018.03); the
Amazon Linux 2 Extras topics (`ALAS2NGINX1-`, `ALAS2GOLANG1.19-`, `ALASKERNEL-5.10-`…) ship
other builds than core and get their own ecosystem (`Amazon Linux:2:extras:nginx1`), which no
image is matched against yet. The XML is parsed with defusedxml (no entities, no DTDs), streamed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from caulk.vulndb.interface import Advisory, Affected, AffectedRange, RangeEvent, SeverityScore
from caulk.vulndb.tally import Tally

__all__ = ["SOURCE", "alas_ecosystem", "is_updateinfo", "parse_updateinfo"]

SOURCE = "amazon-alas"
_EXTRAS = re.compile(r"ALAS(?:2)?([A-Z][A-Z0-9.]*(?:-[0-9.]+)?)-\d{4}-\d+")


def is_updateinfo(data: bytes) -> bool:
    head = data[:512].lstrip()
    return head.startswith(b"<") and b"<updates" in head


def alas_ecosystem(alas_id: str) -> str | None:
    """`ALAS2023-2023-001` → `Amazon Linux:2023`; `ALAS2NGINX1-2023-001` →
    `Amazon Linux:2:extras:nginx1`; None for an id that is not an ALAS id."""
    for release in ("2023", "2022"):
        if re.fullmatch(rf"ALAS{release}-\d{{4}}-\d+", alas_id):
            return f"Amazon Linux:{release}"
    if re.fullmatch(r"ALAS2-\d{4}-\d+", alas_id):
        return "Amazon Linux:2"
    if re.fullmatch(r"ALAS-\d{4}-\d+", alas_id):
        return "Amazon Linux:1"
    if extras := _EXTRAS.fullmatch(alas_id):
        return f"Amazon Linux:2:extras:{extras.group(1).lower()}"
    return None


def _text(element: Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _date(element: Element, tag: str) -> str | None:
    found = element.find(tag)
    stamp = found.get("date", "").strip() if found is not None else ""
    if not re.fullmatch(r"\d{4}-\d\d-\d\d(?: \d\d:\d\d(?::\d\d)?)?", stamp):
        return None
    day, _, clock = stamp.partition(" ")
    clock = clock or "00:00"
    return f"{day}T{clock}{':00' if clock.count(':') == 1 else ''}Z"


def _fixed(package: Element) -> str:
    name, version, release = (package.get(k, "").strip() for k in ("name", "version", "release"))
    if not name or not version or not release:
        raise ValueError(f"package {name or '?'} without name, version or release")
    epoch = package.get("epoch", "0").strip() or "0"
    if not epoch.isdigit():
        raise ValueError(f"package {name}: epoch {epoch!r} is not a number")
    return f"{epoch}:{version}-{release}"


def _advisory(update: Element) -> Advisory:
    alas_id = _text(update, "id")
    ecosystem = alas_ecosystem(alas_id)
    if ecosystem is None:
        raise ValueError(f"{alas_id!r} is not an ALAS id")
    fixes: dict[str, str] = {}
    for package in update.iterfind("pkglist/collection/package"):
        fixes.setdefault(package.get("name", "").strip(), _fixed(package))
    if not fixes:
        raise ValueError("security update without packages")
    cves = [
        ref.get("id", "").strip()
        for ref in update.iterfind("references/reference")
        if ref.get("type") == "cve" and ref.get("id", "").startswith("CVE-")
    ]
    label = _text(update, "severity").upper()
    events = (RangeEvent(introduced="0"),)
    affected = tuple(
        Affected(
            ecosystem=ecosystem,
            name=name,
            ranges=(AffectedRange("ECOSYSTEM", (*events, RangeEvent(fixed=fixed))),),
            purl=f"pkg:rpm/amazon/{name}",
            status="fixed",
            severity=(SeverityScore("vendor", label),) if label else (),
        )
        for name, fixed in sorted(fixes.items())
    )
    published = _date(update, "issued")
    web = alas_id.replace("ALAS2023-", "AL2023/ALAS-").replace("ALAS2-", "AL2/ALAS-")
    return Advisory(
        id=alas_id,
        source=SOURCE,
        aliases=tuple(dict.fromkeys(cves)),
        summary=_text(update, "title")[:200],
        details=_text(update, "description"),
        published=published,
        modified=_date(update, "updated") or published,
        severity=(SeverityScore("vendor", label),) if label else (),
        references=(f"https://alas.aws.amazon.com/{web}.html",),
        affected=affected,
    )


def parse_updateinfo(data: bytes, where: str, tally: Tally) -> Iterator[Advisory]:
    """Yield the security updates of one updateinfo.xml; a broken update is skipped and counted,
    a document that is not well-formed XML is counted once and ends the document."""
    stream: Any = iterparse(io.BytesIO(data), events=("end",), forbid_dtd=True)
    number = 0
    try:
        for _event, element in stream:
            if element.tag != "update":
                continue
            number += 1
            if element.get("type", "security") == "security":
                try:
                    adv = _advisory(element)
                except ValueError as exc:
                    tally.skip(f"{where}: update {number}", f"malformed ALAS update: {exc}")
                else:
                    tally.ecosystem(adv.affected[0].ecosystem)
                    yield adv
            element.clear()  # bounded memory: one <update> at a time
    except (ParseError, DefusedXmlException) as exc:
        tally.skip(where, f"not well-formed updateinfo.xml: {exc}")
