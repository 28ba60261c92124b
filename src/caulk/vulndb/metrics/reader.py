"""Reading one metrics source: detect its kind, then stream its rows.

One file (optionally gzip-compressed) is streamed: JSON with `ijson` (an NVD feed of 1 GB is read
item by item), EPSS CSV line by line. A directory or zip of small JSON documents (CVE JSON 5
records, fkie-cad NVD files) is read document by document. A source that is cut short (truncated
gzip, JSON that ends early) raises `AdvisoryFormatError`; a broken record is skipped and counted.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from caulk.errors import AdvisoryFormatError
from caulk.safeload import DocumentError, load_json
from caulk.vulndb.metrics.cve5 import cve5_signals, is_cve5_record
from caulk.vulndb.metrics.epss import epss_scores
from caulk.vulndb.metrics.interface import (
    METRIC_KINDS,
    CvssMetric,
    EpssScore,
    KevEntry,
    SsvcDecision,
)
from caulk.vulndb.metrics.kev import kev_entry
from caulk.vulndb.metrics.nvd import is_nvd_cve, nvd_legacy_metrics, nvd_metrics
from caulk.vulndb.sources import DOCUMENT_LIMITS, SourceReader
from caulk.vulndb.tally import Tally

__all__ = ["MetricsReader", "Row", "detect_kind", "looks_like_html"]

Row = CvssMetric | SsvcDecision | KevEntry | EpssScore

_GZIP = b"\x1f\x8b"
_HEAD = 64 * 1024
_HTML = re.compile(rb"^\s*(<!doctype html|<html|<head|<body)", re.IGNORECASE)  # not XML: updateinfo
_LABELS = {"nvd": "an NVD JSON feed", "cve5": "CVE JSON 5 records", "kev": "the CISA KEV JSON",
           "epss": "a FIRST EPSS CSV"}  # fmt: skip


class _Hashing(io.RawIOBase):
    """A read-through wrapper that hashes every byte read from `raw`."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> str:
        for chunk in iter(lambda: self._raw.read(1 << 20), b""):
            self.digest.update(chunk)
        return self.digest.hexdigest()


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        raw = fh.read(_HEAD)
    if raw.startswith(_GZIP):
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, _HEAD)
        except zlib.error as exc:
            raise AdvisoryFormatError(f"not a readable gzip file: {exc}", where=str(path)) from exc
    return raw


def looks_like_html(path: Path) -> bool:
    return path.is_file() and bool(_HTML.match(_head(path)))


def _kind_of_text(head: bytes) -> str | None:
    text = head.lstrip()
    if text.startswith(b"#model_version") or text.lower().startswith(b"cve,epss"):
        return "epss"
    if not text.startswith(b"{"):
        return None
    if b'"catalogVersion"' in head or b'"cveID"' in head:
        return "kev"
    if b'"CVE_RECORD"' in head:
        return "cve5"
    if b'"NVD_CVE"' in head or b'"CVE_Items"' in head or b'"sourceIdentifier"' in head:
        return "nvd"
    return None


def _kind_of_doc(doc: object) -> str | None:
    if is_cve5_record(doc):
        return "cve5"
    if is_nvd_cve(doc) or (isinstance(doc, dict) and ("CVE_Items" in doc or _is_nvd_page(doc))):
        return "nvd"
    if isinstance(doc, dict) and "catalogVersion" in doc:
        return "kev"
    return None


def _is_nvd_page(doc: dict[str, Any]) -> bool:
    items = doc.get("vulnerabilities")
    return doc.get("format") == "NVD_CVE" or (
        isinstance(items, list) and bool(items) and isinstance(items[0], dict) and "cve" in items[0]
    )


def detect_kind(path: Path) -> str | None:
    """The metrics kind of `path` (nvd, cve5, kev, epss), or None for anything else (advisories)."""
    if path.is_file() and not SourceReader.is_zip(path):
        return _kind_of_text(_head(path))
    for where, data in SourceReader(str(path), path).documents():
        if not where.lower().endswith(".json"):
            continue
        try:
            return _kind_of_doc(load_json(data, where=where, limits=DOCUMENT_LIMITS))
        except DocumentError:
            return None
    return None


class MetricsReader:
    """Iterate once over the rows of one metrics source; `tally`, `sha256`, `kinds` describe it.

    `tally.imported` counts records: CVE records (NVD, CVE 5), KEV entries, EPSS rows."""

    def __init__(self, location: str, path: Path, kind: str) -> None:
        if kind not in METRIC_KINDS:
            raise AdvisoryFormatError(f"unknown metrics kind {kind!r}", where=location)
        self.location = location
        self.path = path
        self.kind = kind
        self.tally = Tally(location)
        self.sha256 = ""
        self.kinds = {kind}

    def __iter__(self) -> Iterator[Row]:
        where = self.location
        if self.path.is_file() and looks_like_html(self.path):
            raise AdvisoryFormatError(
                f"is an HTML page, not {_LABELS[self.kind]} (an error or login page?)", where=where
            )
        if self.path.is_file() and not SourceReader.is_zip(self.path):
            yield from self._stream()
            return
        source = SourceReader(self.location, self.path)
        for name, data in source.documents():
            try:
                doc = load_json(data, where=name, limits=DOCUMENT_LIMITS)
            except DocumentError as exc:
                self.tally.skip(name, exc.message)
                continue
            yield from self._document(name, doc)
        self.sha256 = source.sha256

    # -- one streamed file ---------------------------------------------------------------------
    def _stream(self) -> Iterator[Row]:
        where = self.location
        with self.path.open("rb") as raw:
            hashing = _Hashing(raw)
            buffered = io.BufferedReader(hashing, 1 << 20)
            compressed = buffered.peek(2)[:2] == _GZIP
            stream: IO[bytes] = (
                gzip.GzipFile(fileobj=buffered) if compressed else buffered  # type: ignore[assignment]
            )
            try:
                yield from self._rows(stream)
            except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
                raise AdvisoryFormatError(
                    f"truncated or corrupt gzip ({exc}); nothing imported", where=where
                ) from exc
            except ijson.JSONError as exc:
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise AdvisoryFormatError(
                    f"not valid JSON ({first}); expected {_LABELS[self.kind]}", where=where
                ) from exc
            except ValueError as exc:  # json.load of a one-record file; UnicodeDecodeError
                raise AdvisoryFormatError(
                    f"not valid JSON ({exc}); expected {_LABELS[self.kind]}", where=where
                ) from exc
            self.sha256 = hashing.drain()

    def _rows(self, stream: IO[bytes]) -> Iterator[Row]:
        where = self.location
        if self.kind == "epss":
            text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
            for score in epss_scores(text, where, self.tally):
                self.tally.imported += 1
                yield score
            return
        if self.kind == "kev":
            for n, item in enumerate(ijson.items(stream, "vulnerabilities.item", use_float=True)):
                entry = kev_entry(item, f"{where}: vulnerabilities[{n}]", self.tally)
                if entry is not None:
                    self.tally.imported += 1
                    yield entry
            return
        head = _head(self.path)
        if self.kind == "nvd" and (b'"vulnerabilities"' in head or b'"CVE_Items"' in head):
            yield from self._nvd_stream(stream, head)
            return
        doc = json.load(stream)  # one CVE 5 record or one NVD record (a small file)
        yield from self._document(where, doc)

    def _nvd_stream(self, stream: IO[bytes], head: bytes) -> Iterator[Row]:
        """Items of the list the head names, parsed by ijson's C backend one at a time."""
        where = self.location
        if b'"vulnerabilities"' in head:
            items = ijson.items(stream, "vulnerabilities.item", use_float=True)
            for n, item in enumerate(items):
                cve = item.get("cve") if isinstance(item, dict) else None
                yield from self._nvd_record(cve, f"{where}: vulnerabilities[{n}]")
            return
        for n, item in enumerate(ijson.items(stream, "CVE_Items.item", use_float=True)):
            self.tally.imported += 1
            yield from nvd_legacy_metrics(item, f"{where}: CVE_Items[{n}]", self.tally)

    def _nvd_record(self, cve: object, where: str) -> Iterator[Row]:
        metrics = nvd_metrics(cve, where, self.tally)
        if metrics is not None:
            self.tally.imported += 1
            yield from metrics

    # -- one parsed document -------------------------------------------------------------------
    def _document(self, where: str, doc: object) -> Iterator[Row]:
        kind = _kind_of_doc(doc)
        if kind == "cve5":
            assert isinstance(doc, dict)
            found = cve5_signals(doc, where, self.tally)
            if found is not None:
                self.tally.imported += 1
                yield from found.cvss
                yield from found.ssvc
                yield from found.kev
        elif kind == "nvd" and is_nvd_cve(doc):
            yield from self._nvd_record(doc, where)
        elif kind == "nvd" and isinstance(doc, dict):
            for n, item in enumerate(doc.get("vulnerabilities") or []):
                cve = item.get("cve") if isinstance(item, dict) else None
                yield from self._nvd_record(cve, f"{where}: vulnerabilities[{n}]")
        elif kind == "kev" and isinstance(doc, dict):
            for n, item in enumerate(doc.get("vulnerabilities") or []):
                entry = kev_entry(item, f"{where}: vulnerabilities[{n}]", self.tally)
                if entry is not None:
                    self.tally.imported += 1
                    yield entry
        else:
            self.tally.skip(where, f"not {_LABELS[self.kind]}")
