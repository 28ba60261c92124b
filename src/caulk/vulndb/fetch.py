"""Downloading feeds.

- resumable: HTTP Range into a `.part` file, with `If-Range` so a changed file starts over;
- conditional: ETag / Last-Modified, so an unchanged feed is not downloaded again;
- verified: size against Content-Length/Content-Range; sha256 when pinned or published in a
  sidecar; MD5 from Google Cloud Storage's `x-goog-hash` header.

Layout: `<root>/<sha256(url)[:20]>/{body, body.part, state.json}`. The root is private (0700,
this user's, not a symlink), and a feed folder or file another local user could have written is
never used: a planted body would otherwise be imported into the user's own, trusted database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from caulk import __version__
from caulk.errors import OperationalError, VerificationError
from caulk.localfiles import private_dir, untrusted_reason
from caulk.vulndb.feeds import Feed

__all__ = ["Download", "Fetcher", "make_client"]

log = logging.getLogger(__name__)

_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_HEX64 = re.compile(r"\b[0-9a-fA-F]{64}\b")


@dataclass(frozen=True, slots=True)
class Download:
    url: str
    path: Path  # the complete, verified body
    changed: bool  # False: the server said 304, or this is the cached copy (offline)
    size: int
    sha256: str
    fetched_at: str
    resumed_from: int = 0  # bytes already on disk when this download resumed
    last_modified: str | None = None  # the server's Last-Modified: the feed's own date


def make_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(60.0, connect=15.0),
        follow_redirects=True,
        headers={"User-Agent": f"caulk/{__version__}", "Accept-Encoding": "identity"},
    )


def _file_digests(path: Path) -> tuple[str, str]:
    sha, md5 = hashlib.sha256(), hashlib.md5()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
            md5.update(chunk)
    return sha.hexdigest(), base64.b64encode(md5.digest()).decode()


def _goog_md5(response: httpx.Response) -> str | None:
    for header in response.headers.get_list("x-goog-hash"):
        for part in header.split(","):
            key, _, value = part.strip().partition("=")
            if key == "md5":
                return value
    return None


class Fetcher:
    def __init__(self, client: httpx.Client | None, root: Path) -> None:
        self._client = client  # None: offline, only cached copies
        self._root = root
        try:
            private_dir(root)
        except OSError as exc:
            raise OperationalError(f"feed cache unusable: {exc}", where=str(root)) from None

    def _dir(self, url: str) -> Path:
        return self._root / hashlib.sha256(url.encode()).hexdigest()[:20]

    def _check_folder(self, url: str) -> None:
        """OperationalError when the folder of `url`, or a file in it, is a symlink or could
        have been written by another local user."""
        folder = self._dir(url)
        for path in (folder, *(folder / n for n in ("state.json", "body", "body.part"))):
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            reason = "is a symlink" if stat.S_ISLNK(st.st_mode) else untrusted_reason(st)
            if reason is not None:
                raise OperationalError(
                    f"refusing a cached feed file another local user could have written: "
                    f"{path} {reason}",
                    where=url,
                )

    def _state(self, url: str) -> dict[str, Any]:
        try:
            state = json.loads((self._dir(url) / "state.json").read_text())
            return state if isinstance(state, dict) and state.get("url") == url else {}
        except (OSError, ValueError):
            return {}

    def _save(self, url: str, state: dict[str, Any]) -> None:
        folder = self._dir(url)
        tmp = folder / "state.json.tmp"
        tmp.write_text(json.dumps({**state, "url": url}, indent=1))
        tmp.replace(folder / "state.json")

    def cached(self, feed: Feed) -> Download | None:
        """The last complete download of `feed`, without touching the network."""
        try:
            self._check_folder(feed.url)
        except OperationalError as exc:
            log.warning("%s", exc)
            return None
        state = self._state(feed.url)
        body = self._dir(feed.url) / "body"
        if not state.get("complete") or not body.is_file():
            return None
        return Download(
            feed.url,
            body,
            False,
            body.stat().st_size,
            state["sha256"],
            state.get("fetched_at", ""),
            last_modified=state.get("last_modified"),
        )

    def fetch(self, feed: Feed) -> Download:
        if self._client is None:
            raise OperationalError("offline: not downloading", where=feed.url)
        self._check_folder(feed.url)
        self._dir(feed.url).mkdir(parents=True, exist_ok=True)
        expected_sha = feed.sha256 or self._sidecar(feed)
        try:
            return self._fetch(feed, expected_sha, allow_resume=True)
        except httpx.HTTPError as exc:
            part = self._dir(feed.url) / "body.part"
            kept = part.stat().st_size if part.exists() else 0
            hint = f"; {kept} bytes kept, run again to resume" if kept else ""
            raise OperationalError(f"download failed: {exc}{hint}", where=feed.url) from exc

    def _sidecar(self, feed: Feed) -> str | None:
        if not feed.sha256_url:
            return None
        assert self._client is not None
        try:
            response = self._client.get(feed.sha256_url)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise OperationalError(
                f"cannot fetch the published sha256: {exc}", where=feed.sha256_url
            ) from exc
        match = _HEX64.search(response.text)
        if not match:
            raise VerificationError("no sha256 digest in the sidecar", where=feed.sha256_url)
        return match.group(0).lower()

    def _fetch(self, feed: Feed, expected_sha: str | None, *, allow_resume: bool) -> Download:
        assert self._client is not None
        folder = self._dir(feed.url)
        body, part = folder / "body", folder / "body.part"
        state = self._state(feed.url)
        partial: dict[str, Any] = state.get("partial") or {}
        headers: dict[str, str] = {}
        offset = part.stat().st_size if part.exists() else 0
        validator = partial.get("etag") or partial.get("last_modified")
        if allow_resume and offset and validator:
            headers["Range"] = f"bytes={offset}-"
            headers["If-Range"] = validator
        else:
            offset = 0
            if state.get("complete") and body.is_file():
                if state.get("etag"):
                    headers["If-None-Match"] = state["etag"]
                if state.get("last_modified"):
                    headers["If-Modified-Since"] = state["last_modified"]
        with self._client.stream("GET", feed.url, headers=headers) as response:
            if response.status_code == 304 and (cached := self.cached(feed)) is not None:
                log.info("%s: not modified", feed.url)
                return cached
            if response.status_code == 416 and offset:
                part.unlink(missing_ok=True)
                return self._fetch(feed, expected_sha, allow_resume=False)
            if response.status_code not in (200, 206):
                raise OperationalError(f"HTTP {response.status_code}", where=feed.url)
            total, start = self._extent(response, offset)
            if response.status_code == 206 and start != offset:
                part.unlink(missing_ok=True)  # the server answered another range: start over
                return self._fetch(feed, expected_sha, allow_resume=False)
            resumed_from = offset if response.status_code == 206 else 0
            partial = {
                "etag": response.headers.get("etag"),
                "last_modified": response.headers.get("last-modified"),
                "total": total,
                "md5": _goog_md5(response) or (partial.get("md5") if resumed_from else None),
            }
            self._save(feed.url, {**state, "partial": partial})
            with part.open("ab" if resumed_from else "wb") as out:
                for chunk in response.iter_raw():  # as received: an interruption keeps every byte
                    out.write(chunk)
        return self._finish(feed, part, body, partial, expected_sha, resumed_from)

    @staticmethod
    def _extent(response: httpx.Response, offset: int) -> tuple[int | None, int]:
        if response.status_code == 206:
            match = _RANGE.match(response.headers.get("content-range", ""))
            if not match:
                return None, -1
            total = None if match.group(3) == "*" else int(match.group(3))
            return total, int(match.group(1))
        length = response.headers.get("content-length")
        return (int(length) if length and length.isdigit() else None), 0

    def _finish(
        self,
        feed: Feed,
        part: Path,
        body: Path,
        partial: dict[str, Any],
        expected_sha: str | None,
        resumed_from: int,
    ) -> Download:
        size = part.stat().st_size
        total = partial.get("total")
        if total is not None and size != total:
            if size > total:
                part.unlink()
            raise VerificationError(f"got {size} bytes, expected {total}", where=feed.url)
        sha, md5 = _file_digests(part)
        wrong = (expected_sha and sha != expected_sha.lower()) or (
            partial.get("md5") and md5 != partial["md5"]
        )
        if wrong:
            part.unlink()
            raise VerificationError("digest mismatch: download discarded", where=feed.url)
        part.replace(body)
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._save(
            feed.url,
            {
                "complete": True,
                "etag": partial.get("etag"),
                "last_modified": partial.get("last_modified"),
                "size": size,
                "sha256": sha,
                "fetched_at": fetched_at,
            },
        )
        log.info("%s: %d bytes (resumed from %d)", feed.url, size, resumed_from)
        return Download(
            feed.url, body, True, size, sha, fetched_at, resumed_from, partial.get("last_modified")
        )
