"""Alpine secdb (JSON at https://secdb.alpinelinux.org/v3.X/main.json, or the old YAML of the
alpine-secdb repository; same shape) → advisories.

`{distroversion: "v3.11", reponame, packages: [{pkg: {name, secfixes: {"1.2.3-r0": ["CVE-…"], "0":
["CVE-…"]}}}]}`. The key is the first fixed version; "0" means the package was never affected.
Ecosystem `Alpine:v3.11`, name = the origin (source) package. One `Advisory` per issue id across all
documents of an import (id `ALPINE-CVE-…`, alias the CVE).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from caulk.vulndb.interface import Advisory, Affected, AffectedRange, RangeEvent
from caulk.vulndb.tally import Tally

__all__ = ["SOURCE", "SecdbCollector", "is_secdb"]

SOURCE = "alpine-secdb"
# Entries: "CVE-2019-1234", "CVE-2019-1 CVE-2019-2", "XSA-123 CVE-2019-3", "CVE-… (comment)".
_ISSUE = re.compile(
    r"\b(?:CVE-\d{4}-\d{4,}|XSA-\d+|GHSA(?:-[0-9a-z]{4}){3}|ZBX-\d+|OSV-\d{4}-\d+)\b"
)


def is_secdb(doc: object) -> bool:
    # An empty repository has `packages:` with nothing under it (null), e.g. v3.3/community.yaml.
    return (
        isinstance(doc, dict)
        and "distroversion" in doc
        and isinstance(doc.get("packages") or [], list)
    )


class SecdbCollector:
    """Feed it every secdb document of one import, then take the grouped advisories."""

    def __init__(self, tally: Tally) -> None:
        self._tally = tally
        self._by_issue: dict[str, list[Affected]] = defaultdict(list)

    def add(self, doc: dict[str, Any], where: str) -> None:
        release = str(doc.get("distroversion") or "").strip()
        if not release:
            self._tally.skip(where, "secdb document without distroversion")
            return
        ecosystem = f"Alpine:{release if release.startswith('v') else 'v' + release}"
        for n, entry in enumerate(doc.get("packages") or []):
            try:
                pkg = entry["pkg"]
                name = str(pkg["name"]).strip()
                secfixes = pkg.get("secfixes") or {}
                if not name or not isinstance(secfixes, dict):
                    raise TypeError("no name or secfixes is not a mapping")
                for version, issues in secfixes.items():
                    self._add_fix(ecosystem, name, str(version).strip(), issues or [])
            except (KeyError, TypeError, AttributeError) as exc:
                self._tally.skip(f"{where}: packages[{n}]", f"malformed secdb entry: {exc}")

    def _add_fix(self, ecosystem: str, name: str, version: str, issues: list[Any]) -> None:
        if not isinstance(issues, list):
            raise TypeError(f"secfixes[{version!r}] is not a list")
        if version == "0":
            aff = Affected(
                ecosystem=ecosystem, name=name, purl=f"pkg:apk/alpine/{name}", status="not_affected"
            )
        else:
            events = (RangeEvent(introduced="0"), RangeEvent(fixed=version))
            aff = Affected(
                ecosystem=ecosystem,
                name=name,
                ranges=(AffectedRange("ECOSYSTEM", events),),
                purl=f"pkg:apk/alpine/{name}",
                status="fixed",
            )
        for text in issues:
            for issue in _ISSUE.findall(str(text)):
                self._by_issue[issue].append(aff)

    def advisories(self) -> list[Advisory]:
        out = []
        for issue, affected in self._by_issue.items():
            unique = tuple(dict.fromkeys(affected))
            refs = (
                (f"https://security.alpinelinux.org/vuln/{issue}",)
                if issue.startswith("CVE-")
                else ()
            )
            out.append(
                Advisory(
                    id=f"ALPINE-{issue}",
                    source=SOURCE,
                    aliases=(issue,),
                    references=refs,
                    affected=unique,
                )
            )
        return out
