"""OCI distribution client (httpx): manifests, blobs, uploads, tags, catalog, delete, referrers.

Safety rules this client keeps:
- TLS verification is on; `insecure` registries (by host) are tried over HTTPS without
  verification, then plain HTTP, as Docker does for its `insecure-registries`.
- Redirects are followed by hand (≤ 5). Auth state (challenges, tokens, credentials) is keyed by
  who answered: the registry's origin gets the registry's credentials; any other origin a redirect
  leads to (another host, or the same host over another scheme or port) gets its own challenge
  answered anonymously, and a 401 from it never changes the registry's auth state.
- Retries with exponential backoff (honouring Retry-After) for 429, 5xx and connection errors on
  idempotent requests; never for other 4xx.
- Every body is streamed: manifests (4 MiB), token replies (64 KiB), tag pages and error bodies
  are read up to a cap within a deadline; blobs must keep a minimum throughput
  (`registry/bodies.py`). Tag listings stop after MAX_PAGES pages or MAX_ITEMS names.
- Manifests are verified against the digest pinned (sha256 or sha512; any other algorithm is
  refused) or, for a tag, the sha256/sha512 digest the registry announces.
- Pushed blobs stream from their source (a monolithic PUT with Content-Length), never whole.
- Credentials never appear in logs or errors.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

from caulk.errors import AuthError, RegistryError, UsageError, VerificationError
from caulk.mediatypes import DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST
from caulk.registry.auth import (
    Challenge,
    TokenCache,
    basic_header,
    keeps_auth,
    origin,
    parse_challenge,
)
from caulk.registry.bodies import MIN_BLOB_RATE, RATE_WINDOW, BlobStream, parse_json, read_capped
from caulk.registry.credentials import Credentials, CredentialStore
from caulk.registry.reference import Reference
from caulk.safeload import load_json

__all__ = ["MANIFEST_ACCEPT", "Manifest", "RegistryClient"]

log = logging.getLogger(__name__)

MANIFEST_ACCEPT = (OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST)
MAX_MANIFEST = 4 * 1024 * 1024
MAX_PAGE = 4 * 1024 * 1024  # one page of a tag list or catalog
MAX_ERROR_BODY = 4096
MAX_PAGES = 10_000
MAX_ITEMS = 1_000_000
_PUSH_CHUNK = 1 << 20
_HASHES = ("sha256", "sha512")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class Manifest:
    body: bytes
    media_type: str
    digest: str


class RegistryClient:
    def __init__(
        self,
        *,
        credentials: CredentialStore | None = None,
        insecure: frozenset[str] = frozenset(),
        ca_file: str | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        manifest_deadline: float = 60.0,
        blob_min_rate: float = MIN_BLOB_RATE,
        blob_rate_window: float = RATE_WINDOW,
    ) -> None:
        self._credentials = credentials or CredentialStore()
        self._insecure = insecure
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._manifest_deadline = manifest_deadline  # also for token replies and tag pages
        self._blob_min_rate = blob_min_rate
        self._blob_rate_window = blob_rate_window
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._ca_file = ca_file
        self._transport = transport
        self._clients: dict[bool, httpx.Client] = {}
        self._tokens = TokenCache(self._verified_client, deadline=manifest_deadline)
        self._base: dict[str, str] = {}
        self._challenge: dict[str, Challenge] = {}  # auth key (see _auth_key) -> challenge

    def _client(self, verify: bool) -> httpx.Client:
        """The HTTP client, made on first use: building an SSL context loads the CA bundle,
        which a plain-HTTP registry never needs."""
        client = self._clients.get(verify)
        if client is None:
            context: bool | ssl.SSLContext = False
            if verify:
                context = (
                    ssl.create_default_context(cafile=self._ca_file) if self._ca_file else True
                )
            client = httpx.Client(
                verify=context,  # False only for hosts named --insecure-registry
                timeout=self._timeout,
                follow_redirects=False,
                transport=self._transport,
            )
            self._clients[verify] = client
        return client

    def _verified_client(self) -> httpx.Client:
        return self._client(True)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------------

    def _base_url(self, registry: str) -> str:
        if registry in self._base:
            return self._base[registry]
        if registry not in self._insecure:
            self._base[registry] = f"https://{registry}"
            return self._base[registry]
        for scheme in ("https", "http"):
            client = self._client(False)
            try:  # only the status line matters: the body is never read
                request = client.build_request("GET", f"{scheme}://{registry}/v2/", timeout=5.0)
                client.send(request, stream=True).close()
            except httpx.HTTPError:
                continue
            self._base[registry] = f"{scheme}://{registry}"
            return self._base[registry]
        raise RegistryError("cannot reach the registry over HTTPS or HTTP", where=registry)

    def _client_for(self, registry: str) -> httpx.Client:
        return self._client(registry not in self._insecure)

    def _auth_key(self, registry: str, url: str) -> str:
        """Whose auth state `url` falls under: the registry's name while requests would keep
        the registry's Authorization there, else the URL's own origin (`scheme://host:port`)."""
        return registry if keeps_auth(self._base_url(registry), url) else origin(url)

    def _auth_header(self, registry: str, key: str, scope: str) -> dict[str, str]:
        challenge = self._challenge.get(key)
        if challenge is None:
            return {}
        # credentials belong to the registry's origin; any other origin is answered anonymously
        creds = self._credentials.get(registry) if key == registry else Credentials()
        if challenge.scheme == "basic":
            if creds.empty:
                asker = "the registry" if key == registry else f"redirect target {key}"
                message = f"{asker} asks for credentials and none are configured"
                raise AuthError(message, where=registry)
            return {"Authorization": basic_header(creds)}
        token = self._tokens.get(key, challenge, scope, creds)
        return {"Authorization": f"Bearer {token}"}

    def _send(
        self,
        method: str,
        registry: str,
        url: str,
        *,
        scope: str,
        headers: dict[str, str],
        content: bytes | Callable[[], Iterator[bytes]] | None,
    ) -> httpx.Response:
        """One request, following redirects by hand; each hop carries only the auth of its own
        origin. The response is streamed: the caller reads (capped) and closes it."""
        client = self._client_for(registry)
        for _ in range(6):
            body = content() if callable(content) else content
            hop_headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            hop_headers.update(self._auth_header(registry, self._auth_key(registry, url), scope))
            request = client.build_request(method, url, headers=hop_headers, content=body)
            response = client.send(request, stream=True)
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            location = response.headers.get("Location", "")
            response.close()
            if not location:
                raise RegistryError(
                    f"redirect without Location from {method} {_no_query(url)}", where=registry
                )
            url = urljoin(url, location)
            if response.status_code == 303:
                method, content = "GET", None
        raise RegistryError("too many redirects", where=registry)

    def request(
        self,
        method: str,
        registry: str,
        path: str,
        *,
        scope: str,
        headers: dict[str, str] | None = None,
        content: bytes | Callable[[], Iterator[bytes]] | None = None,
        stream: bool = True,  # every response is streamed: accepted for callers that say so
        ok: tuple[int, ...] = (200,),
    ) -> httpx.Response:
        """Send with auth, retries and one answer to a fresh challenge per origin; raise on an
        unexpected status. `path` may be absolute (an upload Location). `content` may be a
        function making a fresh body stream (called again for each retry or redirect). The
        response is streamed: read it with `_read_small` or `open_blob`, and close it."""
        url = path if path.startswith(("http://", "https://")) else self._base_url(registry) + path
        attempt = 0
        answered: set[str] = set()
        while True:
            try:
                response = self._send(
                    method, registry, url, scope=scope, headers=headers or {}, content=content
                )
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                if method in _IDEMPOTENT and attempt < self._retries:
                    attempt += 1
                    self._sleep(self._backoff * 2 ** (attempt - 1))
                    continue
                raise RegistryError(
                    f"{method} {_no_query(path)}: {type(exc).__name__}", where=registry
                ) from None
            key = self._auth_key(registry, str(response.request.url))
            if response.status_code == 401 and key not in answered and len(answered) < 3:
                challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
                response.close()
                if challenge is None:
                    raise AuthError(
                        f"{method} {_no_query(path)}: HTTP 401 without a usable challenge",
                        where=registry,
                    )
                if challenge.scheme == "bearer" and key in self._challenge:
                    self._tokens.forget(key, challenge, scope)
                self._challenge[key] = challenge
                answered.add(key)
                continue
            if (
                response.status_code in _RETRY_STATUS
                and method in _IDEMPOTENT
                and attempt < self._retries
            ):
                delay = _retry_after(response) or self._backoff * 2**attempt
                response.close()
                attempt += 1
                self._sleep(min(delay, 30.0))
                continue
            if response.status_code in ok:
                return response
            raise _status_error(method, path, registry, response)

    def _read_small(self, response: httpx.Response, limit: int, *, what: str, where: str) -> bytes:
        """A small document body, capped and within the manifest deadline; closes the response."""
        try:
            return read_capped(
                response, limit, what=what, where=where, deadline=self._manifest_deadline
            )
        finally:
            response.close()

    # --- API -------------------------------------------------------------------------------

    def ping(self, registry: str) -> None:
        self.request("GET", registry, "/v2/", scope="", ok=(200,)).close()

    def get_manifest(self, ref: Reference, accept: tuple[str, ...] = MANIFEST_ACCEPT) -> Manifest:
        """The manifest or index `ref` names, verified: a digest reference with the algorithm
        it pins (sha256 or sha512, anything else refused before asking), a tag against the
        digest the registry announces. `digest` is the pinned digest, else the sha256."""
        if ref.digest is not None:
            _pinned_algorithm(ref)
        response = self.request(
            "GET",
            ref.registry,
            f"/v2/{ref.repository}/manifests/{ref.identifier}",
            scope=f"repository:{ref.repository}:pull",
            headers={"Accept": ", ".join(accept)},
        )
        body = self._read_small(response, MAX_MANIFEST, what="manifest", where=str(ref))
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        digest = _verified_digest(ref, body, response.headers.get("Docker-Content-Digest"))
        return Manifest(body, media_type or _sniff_media_type(body), digest)

    def head_manifest(self, ref: Reference) -> str | None:
        """The digest the tag points at, or None when it does not exist."""
        response = self.request(
            "HEAD",
            ref.registry,
            f"/v2/{ref.repository}/manifests/{ref.identifier}",
            scope=f"repository:{ref.repository}:pull",
            headers={"Accept": ", ".join(MANIFEST_ACCEPT)},
            ok=(200, 404),
        )
        response.close()
        if response.status_code == 404:
            return None
        digest = response.headers.get("Docker-Content-Digest")
        return str(digest) if digest else None

    def open_blob(self, registry: str, repository: str, digest: str) -> BinaryIO:
        response = self.request(
            "GET",
            registry,
            f"/v2/{repository}/blobs/{digest}",
            scope=f"repository:{repository}:pull",
        )
        stream = BlobStream(response, min_rate=self._blob_min_rate, window=self._blob_rate_window)
        return io.BufferedReader(stream, buffer_size=1 << 20)

    def blob_exists(self, registry: str, repository: str, digest: str) -> bool:
        response = self.request(
            "HEAD",
            registry,
            f"/v2/{repository}/blobs/{digest}",
            scope=f"repository:{repository}:pull",
            ok=(200, 404),
        )
        response.close()
        return response.status_code == 200

    def mount_blob(self, registry: str, repository: str, digest: str, source: str) -> bool:
        """Cross-repository mount; False when the registry opened an upload instead."""
        response = self.request(
            "POST",
            registry,
            f"/v2/{repository}/blobs/uploads/?mount={digest}&from={source}",
            scope=f"repository:{repository}:pull,push repository:{source}:pull",
            ok=(201, 202),
        )
        response.close()
        if response.status_code == 202:
            location = response.headers.get("Location")
            if location:  # cancel the upload session the registry opened instead
                self.request(
                    "DELETE",
                    registry,
                    urljoin(self._base_url(registry), location),
                    scope=f"repository:{repository}:pull,push",
                    ok=(204, 404),
                ).close()
        return response.status_code == 201

    def push_blob(
        self,
        registry: str,
        repository: str,
        digest: str,
        size: int,
        opener: Callable[[], BinaryIO],
        *,
        chunk_size: int | None = None,
    ) -> None:
        """Upload unless present: one streamed PUT by default (the source is read in 1 MiB
        pieces, reopened for a retry), PATCH chunks of `chunk_size` bytes when asked."""
        if self.blob_exists(registry, repository, digest):
            return
        scope = f"repository:{repository}:pull,push"
        base = self._base_url(registry)
        start = self.request(
            "POST", registry, f"/v2/{repository}/blobs/uploads/", scope=scope, ok=(202,)
        )
        start.close()
        location = urljoin(base, start.headers.get("Location", ""))
        if chunk_size is None:

            def body() -> Iterator[bytes]:
                sent = 0
                with opener() as source:
                    while piece := source.read(_PUSH_CHUNK):
                        sent += len(piece)
                        if sent > size:
                            break
                        yield piece
                if sent != size:
                    raise RegistryError(
                        f"blob {digest} has {'more than ' if sent > size else ''}{sent} bytes, "
                        f"expected {size}",
                        where=registry,
                    )

            response = self.request(
                "PUT",
                registry,
                _with_query(location, digest=digest),
                scope=scope,
                content=body,
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
                ok=(201,),
            )
            response.close()
            return
        with opener() as source:
            offset = 0
            while chunk := source.read(chunk_size):
                response = self.request(
                    "PATCH",
                    registry,
                    location,
                    scope=scope,
                    content=chunk,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Range": f"{offset}-{offset + len(chunk) - 1}",
                        "Content-Length": str(len(chunk)),
                    },
                    ok=(202,),
                )
                response.close()
                location = urljoin(base, response.headers.get("Location", location))
                offset += len(chunk)
        if offset != size:
            raise RegistryError(f"blob {digest} is {offset} bytes, expected {size}", where=registry)
        self.request(
            "PUT", registry, _with_query(location, digest=digest), scope=scope, ok=(201,)
        ).close()

    def put_manifest(self, ref: Reference, body: bytes, media_type: str) -> str:
        response = self.request(
            "PUT",
            ref.registry,
            f"/v2/{ref.repository}/manifests/{ref.identifier}",
            scope=f"repository:{ref.repository}:pull,push",
            content=body,
            headers={"Content-Type": media_type},
            ok=(201,),
        )
        response.close()
        return "sha256:" + hashlib.sha256(body).hexdigest()

    def delete_manifest(self, registry: str, repository: str, digest: str) -> None:
        self.request(
            "DELETE",
            registry,
            f"/v2/{repository}/manifests/{digest}",
            scope=f"repository:{repository}:delete",
            ok=(202, 200),
        ).close()

    def list_tags(self, registry: str, repository: str) -> list[str]:
        return self._paginate(
            registry, f"/v2/{repository}/tags/list", f"repository:{repository}:pull", "tags"
        )

    def list_repositories(self, registry: str) -> list[str]:
        """Every repository the registry lists (its `/v2/_catalog` endpoint)."""
        return self._paginate(registry, "/v2/_catalog", "registry:catalog:*", "repositories")

    def _paginate(self, registry: str, path: str, scope: str, key: str) -> list[str]:
        """All names over `Link: rel=next` pages; each page must bring new names and a `last`
        never seen before; at most MAX_PAGES pages and MAX_ITEMS names (a registry that pages
        forever is an error, not a hang)."""
        out: list[str] = []
        seen: set[str] = set()
        lasts: set[str] = set()
        next_path: str | None = path
        while next_path is not None:
            if len(seen) >= MAX_PAGES:
                raise RegistryError(f"GET {path}: more than {MAX_PAGES} pages", where=registry)
            seen.add(next_path)
            response = self.request("GET", registry, next_path, scope=scope)
            where = f"{registry}: GET {_no_query(next_path)}"
            body = self._read_small(response, MAX_PAGE, what="answer", where=where)
            doc = parse_json(body, what="answer", where=where)
            items = doc.get(key) if isinstance(doc, dict) else None
            if not isinstance(items, list | None):
                raise RegistryError(f"answer has no {key} list", where=where)
            out.extend(str(i) for i in items or [])
            if len(out) > MAX_ITEMS:
                raise RegistryError(f"GET {path}: more than {MAX_ITEMS} names", where=registry)
            match = _LINK_NEXT.search(response.headers.get("Link", ""))
            next_path = match.group(1) if match else None
            if next_path is None:
                break
            last = dict(parse_qsl(urlsplit(next_path).query)).get("last")
            if next_path in seen or not items or (last is not None and last in lasts):
                raise RegistryError(
                    f"GET {path}: pagination does not advance (next page {_no_query(next_path)})",
                    where=registry,
                )
            if last is not None:
                lasts.add(last)
        return out

    def referrers(self, registry: str, repository: str, digest: str) -> list[dict[str, object]]:
        """Descriptors of artifacts referring to `digest`: the OCI 1.1 referrers API, else the
        `sha256-<hex>` tag schema fallback."""
        scope = f"repository:{repository}:pull"
        response = self.request(
            "GET",
            registry,
            f"/v2/{repository}/referrers/{digest}",
            scope=scope,
            headers={"Accept": OCI_INDEX},
            ok=(200, 404),
        )
        if response.status_code == 200 and response.headers.get("Content-Type", "").startswith(
            OCI_INDEX
        ):
            where = f"{registry}/{repository}: referrers of {digest}"
            body = self._read_small(response, MAX_MANIFEST, what="referrers index", where=where)
            return _index_entries(parse_json(body, what="referrers index", where=where), where)
        response.close()
        fallback = Reference(registry, repository, digest.replace(":", "-"))
        if self.head_manifest(fallback) is None:
            return []
        index = self.get_manifest(fallback, accept=(OCI_INDEX,))
        what = "referrers fallback tag"
        return _index_entries(parse_json(index.body, what=what, where=str(fallback)), str(fallback))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _with_query(url: str, **params: str) -> str:
    return str(httpx.URL(url).copy_merge_params(params))


def _no_query(url: str) -> str:
    """A URL or path without its query (upload locations carry state tokens)."""
    return url.partition("?")[0]


def _index_entries(doc: Any, where: str) -> list[dict[str, object]]:
    manifests = doc.get("manifests") if isinstance(doc, dict) else None
    if not isinstance(manifests, list):
        raise RegistryError("not an OCI index (no manifests list)", where=where)
    return [m for m in manifests if isinstance(m, dict)]


def _pinned_algorithm(ref: Reference) -> str:
    """The hash a digest reference pins; anything caulk cannot verify is refused (exit 2)."""
    algorithm, _, hex_ = (ref.digest or "").partition(":")
    if algorithm not in _HASHES:
        raise UsageError(
            f"cannot verify a {algorithm!r} digest (supported: {', '.join(_HASHES)})",
            where=str(ref),
        )
    if len(hex_) != hashlib.new(algorithm).digest_size * 2 or hex_.strip("0123456789abcdef"):
        raise UsageError(f"malformed {algorithm} digest", where=str(ref))
    return algorithm


def _verified_digest(ref: Reference, body: bytes, announced: str | None) -> str:
    """The manifest's digest after checking it: against the pinned digest (in its algorithm),
    else against a sha256/sha512 digest the registry announced; sha256 for a tag."""
    if ref.digest is not None:
        expected = ref.digest
        algorithm = _pinned_algorithm(ref)
    elif announced and announced.partition(":")[0] in _HASHES:
        expected, algorithm = announced, announced.partition(":")[0]
    else:
        return "sha256:" + hashlib.sha256(body).hexdigest()
    actual = f"{algorithm}:{hashlib.new(algorithm, body).hexdigest()}"
    if actual != expected:
        raise VerificationError(  # the registry lied: bad input, like a wrong blob
            f"manifest does not match its digest (expected {expected[:200]}, got {actual})",
            where=str(ref),
        )
    return actual if ref.digest is not None else "sha256:" + hashlib.sha256(body).hexdigest()


def _sniff_media_type(body: bytes) -> str:
    try:  # bounded (safeload): a 5,000-deep manifest must not escape as RecursionError
        doc = load_json(body, where="manifest")
    except ValueError:
        return ""
    value = doc.get("mediaType") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else ""


def _status_error(method: str, path: str, registry: str, response: httpx.Response) -> RegistryError:
    status = response.status_code
    detail = ""
    try:
        body = b""
        started = time.monotonic()
        if not response.is_closed:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= MAX_ERROR_BODY or time.monotonic() - started > 10:
                    break
        errors = json.loads(body[:MAX_ERROR_BODY]).get("errors", [])
        if errors and isinstance(errors[0], dict):
            detail = f": {errors[0].get('code', '')} {errors[0].get('message', '')}".rstrip()
    except Exception:  # noqa: BLE001 - an HTML error page or garbage: status only
        detail = ""
    finally:
        response.close()
    cls = AuthError if status in (401, 403) else RegistryError
    return cls(f"{method} {_no_query(path)}: HTTP {status}{detail[:300]}", where=registry)
