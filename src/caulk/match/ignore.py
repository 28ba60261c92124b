"""The ignore file (`.caulkignore.yaml`): suppress known vulnerabilities or findings, each entry
with a reason and an optional expiry date and scope. Expired entries stop applying and are
reported, so an exception never outlives its review date silently.

    vulnerabilities:
      - id: CVE-2023-43804          # or any alias (GHSA-…, PYSEC-…, DSA-…)
        reason: not reachable: we never send cookies to other hosts
        expires: 2027-01-31         # optional; from this day on the entry no longer applies
        purls: [pkg:pypi/urllib3]   # optional; a purl without version matches every version
        paths: ["/usr/lib/python3/*"]  # optional; glob on the package's location
    findings:
      - id: CK-IMG-003
        paths: [/usr/bin/curl]
        reason: health check uses curl
"""

from __future__ import annotations

import dataclasses
import fnmatch
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from caulk.errors import PolicyError
from caulk.instants import parse_date
from caulk.match.interface import Vulnerability
from caulk.model import Finding
from caulk.safeload import DocumentError, load_yaml, read_regular

__all__ = ["IgnoreEntry", "IgnoreFile", "apply_ignores", "load_ignore_file", "purl_matches"]

_ENTRY_KEYS = frozenset({"id", "reason", "expires", "purls", "paths"})
_MAX_BYTES = 16 << 20


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    id: str
    reason: str
    expires: date | None = None
    purls: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    def expired(self, today: date) -> bool:
        return self.expires is not None and today >= self.expires

    def in_scope(self, purl: str | None, path: str | None) -> bool:
        if self.purls and not (purl and any(purl_matches(p, purl) for p in self.purls)):
            return False
        return not self.paths or bool(
            path and any(fnmatch.fnmatchcase(path, g) for g in self.paths)
        )


@dataclass(frozen=True, slots=True)
class IgnoreFile:
    vulnerabilities: tuple[IgnoreEntry, ...] = ()
    findings: tuple[IgnoreEntry, ...] = ()


def purl_matches(pattern: str, purl: str) -> bool:
    """Same type/namespace/name; a pattern version (if any) must equal; qualifiers ignored."""
    try:
        want, have = PackageURL.from_string(pattern), PackageURL.from_string(purl)
    except ValueError:
        return False
    same = (want.type, want.namespace, want.name) == (have.type, have.namespace, have.name)
    return same and (want.version is None or want.version == have.version)


def _entry(raw: Any, where: str) -> IgnoreEntry:
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: expected a mapping with id and reason")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise PolicyError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    ident, reason = raw.get("id"), raw.get("reason")
    if not isinstance(ident, str) or not ident.strip():
        raise PolicyError(f"{where}: 'id' must be a non-empty string")
    if not isinstance(reason, str) or not reason.strip():
        raise PolicyError(f"{where} ({ident}): 'reason' is required")
    expires: date | None = None
    if raw.get("expires") is not None:  # a string: the loader never converts timestamps
        try:
            expires = parse_date(raw["expires"])
        except ValueError as exc:
            raise PolicyError(f"{where} ({ident}): 'expires': {exc}") from None
    lists = {}
    for key in ("purls", "paths"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PolicyError(f"{where} ({ident}): '{key}' must be a list of strings")
        lists[key] = tuple(value)
    for purl in lists["purls"]:
        try:
            PackageURL.from_string(purl)
        except ValueError:
            raise PolicyError(f"{where} ({ident}): invalid purl {purl!r}") from None
    return IgnoreEntry(ident.strip(), reason.strip(), expires, lists["purls"], lists["paths"])


def load_ignore_file(path: Path) -> IgnoreFile:
    try:
        raw = read_regular(path, max_bytes=_MAX_BYTES, what="ignore file")
        doc = load_yaml(raw, where=str(path), what="ignore file")
    except DocumentError as exc:
        raise PolicyError(exc.message, where=str(path)) from None
    if doc is None:
        return IgnoreFile()
    if not isinstance(doc, dict) or set(doc) - {"vulnerabilities", "findings"}:
        raise PolicyError(
            "expected top-level keys 'vulnerabilities' and/or 'findings'", where=str(path)
        )
    sections = {}
    for key in ("vulnerabilities", "findings"):
        items = doc.get(key) or []
        if not isinstance(items, list):
            raise PolicyError(f"'{key}' must be a list", where=str(path))
        sections[key] = tuple(_entry(item, f"{path}: {key}[{i}]") for i, item in enumerate(items))
    return IgnoreFile(sections["vulnerabilities"], sections["findings"])


def apply_ignores(
    ignores: IgnoreFile,
    vulnerabilities: tuple[Vulnerability, ...],
    findings: tuple[Finding, ...],
    today: date,
) -> tuple[tuple[Vulnerability, ...], tuple[Finding, ...], tuple[str, ...]]:
    """Mark ignored vulnerabilities (they stay in the result with `ignored` set), drop ignored
    findings, and return notices for expired entries."""
    notices = [
        f"ignore entry {e.id} expired on {e.expires} and no longer applies ({e.reason})"
        for e in (*ignores.vulnerabilities, *ignores.findings)
        if e.expired(today)
    ]
    live_v = [e for e in ignores.vulnerabilities if not e.expired(today)]
    live_f = [e for e in ignores.findings if not e.expired(today)]
    out_v = []
    for vuln in vulnerabilities:
        ids = {vuln.id, *vuln.aliases}
        hit = next(
            (e for e in live_v if e.id in ids and e.in_scope(vuln.purl, vuln.location.path)), None
        )
        out_v.append(
            dataclasses.replace(vuln, ignored=f"ignore file: {hit.reason}") if hit else vuln
        )
    out_f = tuple(
        f
        for f in findings
        if not any(e.id == f.rule_id and e.in_scope(None, f.location.path) for e in live_f)
    )
    return tuple(out_v), out_f, tuple(notices)
