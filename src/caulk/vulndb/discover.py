"""Feeds whose files are found at update time (`Feed.discover`), so no release list is hard-coded.

- `alpine-secdb`: the secdb index (`https://secdb.alpinelinux.org/`, an HTML directory listing)
  names one `vX.Y/` directory per branch; each branch's listing names its `main.json` and
  `community.json`. Every branch listed is fetched: a new Alpine release is picked up the day its
  secdb appears, and old ones stay (images of old branches are scanned too).
- `yum-updateinfo`: a yum/dnf repository, given as its `mirror.list` (first mirror wins) or its base
  URL. Its `repodata/repomd.xml` names `updateinfo.xml(.gz)` with a sha256 the download is verified
  against. The file's URL changes with every repository snapshot, so its source in the database is
  named after the mirror list (`Feed.label`): a new snapshot replaces the old one.

A discovery that fails (network, HTML/XML that does not parse, no updateinfo) is reported for its
feed; the files found by the last successful discovery (kept under `<feeds root>/discovered/`) are
used instead, as are cached downloads when offline. Index documents are read with a size bound.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from caulk.errors import AdvisoryFormatError, Error, OperationalError
from caulk.vulndb.feeds import Feed

__all__ = ["Discovered", "discover_feeds"]

log = logging.getLogger(__name__)

_MAX_INDEX = 4 << 20  # an index page, mirror list or repomd.xml
_BRANCH = re.compile(r'href="(v(\d+)\.(\d+))/"')
_REPO = "{http://linux.duke.edu/metadata/repo}"


class Discovered:
    """The concrete feeds behind the discovery feeds: found now (`feeds`, to fetch), or recalled
    from the last discovery (`recalled`, to read from the cache), and the discoveries that
    failed."""

    def __init__(self) -> None:
        self.feeds: list[Feed] = []
        self.recalled: list[Feed] = []
        self.failures: list[tuple[Feed, str]] = []


def _get(client: httpx.Client, url: str) -> bytes:
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise OperationalError(f"HTTP {response.status_code}", where=url)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > _MAX_INDEX:
                    raise AdvisoryFormatError(f"index larger than {_MAX_INDEX} bytes", where=url)
            return bytes(body)
    except httpx.HTTPError as exc:
        raise OperationalError(f"download failed: {exc}", where=url) from exc


def _alpine(client: httpx.Client, feed: Feed) -> list[Feed]:
    base = feed.url if feed.url.endswith("/") else feed.url + "/"
    index = _get(client, base).decode("utf-8", "replace")
    branches = sorted(
        {(int(m.group(2)), int(m.group(3)), m.group(1)) for m in _BRANCH.finditer(index)}
    )
    if not branches:
        raise AdvisoryFormatError("no vX.Y/ branch in the secdb index", where=base)
    found = []
    for _major, _minor, branch in branches:
        listing = _get(client, f"{base}{branch}/").decode("utf-8", "replace")
        for repo in ("main", "community"):
            if f'href="{repo}.json"' in listing:
                found.append(Feed(f"{base}{branch}/{repo}.json"))
    return found


def _repository(client: httpx.Client, url: str) -> str:
    if not urlsplit(url).path.endswith("mirror.list"):
        return url
    for line in _get(client, url).decode("utf-8", "replace").splitlines():
        mirror = line.strip()
        if mirror.startswith(("https://", "http://")):
            return mirror
    raise AdvisoryFormatError("no http(s) mirror in the mirror list", where=url)


def _updateinfo(client: httpx.Client, feed: Feed) -> list[Feed]:
    repo = _repository(client, feed.url).rstrip("/") + "/"
    repomd_url = urljoin(repo, "repodata/repomd.xml")
    try:
        root = fromstring(_get(client, repomd_url), forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise AdvisoryFormatError(f"repomd.xml does not parse: {exc}", where=repomd_url) from exc
    for data in root.iter(f"{_REPO}data"):
        if data.get("type") != "updateinfo":
            continue
        location = data.find(f"{_REPO}location")
        checksum = data.find(f"{_REPO}checksum")
        href = location.get("href", "") if location is not None else ""
        if not href:
            break
        sha256 = None
        if checksum is not None and checksum.get("type") == "sha256" and checksum.text:
            sha256 = checksum.text.strip().lower()
        target = urljoin(repo, href)
        if urlsplit(target).netloc != urlsplit(repo).netloc:
            raise AdvisoryFormatError(f"updateinfo on another host: {href}", where=repomd_url)
        return [Feed(target, sha256=sha256, label=feed.url)]
    raise AdvisoryFormatError("repomd.xml names no updateinfo", where=repomd_url)


def _memo(root: Path, feed: Feed) -> Path:
    return root / "discovered" / f"{hashlib.sha256(feed.url.encode()).hexdigest()[:20]}.json"


def _remember(root: Path, feed: Feed, found: list[Feed]) -> None:
    path = _memo(root, feed)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"url": feed.url, "feeds": [[f.url, f.sha256, f.label] for f in found]}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    tmp.replace(path)


def _recall(root: Path, feed: Feed) -> list[Feed]:
    try:
        doc = json.loads(_memo(root, feed).read_text())
        if doc.get("url") != feed.url:
            return []
        return [Feed(url, sha256=sha, label=label) for url, sha, label in doc["feeds"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def discover_feeds(
    feeds: Sequence[Feed], client: httpx.Client | None, root: Path
) -> tuple[list[Feed], Discovered]:
    """(the plain feeds, what the discovery feeds expand to); `client` None: offline, recall the
    last discovery."""
    plain = [f for f in feeds if f.discover is None]
    result = Discovered()
    for feed in feeds:
        if feed.discover is None:
            continue
        if client is None:
            result.recalled.extend(_recall(root, feed))
            continue
        try:
            found = _alpine(client, feed) if feed.discover == "alpine-secdb" else []
            if feed.discover == "yum-updateinfo":
                found = _updateinfo(client, feed)
        except Error as exc:
            log.warning("%s", exc)
            result.failures.append((feed, str(exc)))
            result.recalled.extend(_recall(root, feed))
            continue
        _remember(root, feed, found)
        result.feeds.extend(found)
    return plain, result
