"""OCI distribution client (httpx): manifests, blobs, uploads, tags, catalog, delete, referrers.

Safety rules this client keeps:
- TLS verification is on; `insecure` registries (by host) are tried over HTTPS without
  verification, then plain HTTP, as Docker does for its `insecure-registries`.
- Redirects are followed by hand (≤ 5); the Authorization header never follows to another host.
- Retries with exponential backoff (honouring Retry-After) for 429, 5xx and connection errors on
  idempotent requests; never for other 4xx.
- Manifests are capped at 4 MiB and verified against the digest asked for or announced.
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
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import httpx

from caulk.errors import AuthError, RegistryError, VerificationError
from caulk.registry.auth import Challenge, TokenCache, basic_header, parse_challenge
from caulk.registry.credentials import CredentialStore
from caulk.registry.reference import Reference
from caulk.safeload import load_json
from caulk.source.mediatypes import DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST

__all__ = ["MANIFEST_ACCEPT", "Manifest", "RegistryClient"]

log = logging.getLogger(__name__)

MANIFEST_ACCEPT = (OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST)
MAX_MANIFEST = 4 * 1024 * 1024
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class Manifest:
    body: bytes
    media_type: str
    digest: str


class _ResponseStream(io.RawIOBase):
    """A streaming response body as a readable file; closes the response when closed."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__()
        self._response = response
        self._chunks = response.iter_raw(chunk_size=1 << 20)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
            except httpx.HTTPError as exc:
                url = self._response.request.url.copy_with(query=None)
                raise RegistryError(
                    f"download failed: {type(exc).__name__}", where=str(url)
                ) from None
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()


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
    ) -> None:
        self._credentials = credentials or CredentialStore()
        self._insecure = insecure
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._manifest_deadline = manifest_deadline
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._ca_file = ca_file
        self._transport = transport
        self._clients: dict[bool, httpx.Client] = {}
        self._tokens = TokenCache(self._verified_client)
        self._base: dict[str, str] = {}
        self._challenge: dict[str, Challenge] = {}

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
            try:
                self._client(False).get(f"{scheme}://{registry}/v2/", timeout=5.0)
            except httpx.HTTPError:
                continue
            self._base[registry] = f"{scheme}://{registry}"
            return self._base[registry]
        raise RegistryError("cannot reach the registry over HTTPS or HTTP", where=registry)

    def _client_for(self, registry: str) -> httpx.Client:
        return self._client(registry not in self._insecure)

    def _auth_header(self, registry: str, scope: str) -> dict[str, str]:
        challenge = self._challenge.get(registry)
        if challenge is None:
            return {}
        creds = self._credentials.get(registry)
        if challenge.scheme == "basic":
            if creds.empty:
                raise AuthError(
                    "the registry asks for credentials and none are configured", where=registry
                )
            return {"Authorization": basic_header(creds)}
        token = self._tokens.get(registry, challenge, scope, creds)
        return {"Authorization": f"Bearer {token}"}

    def _send(
        self,
        method: str,
        registry: str,
        url: str,
        *,
        headers: dict[str, str],
        content: bytes | Iterator[bytes] | None,
        stream: bool,
    ) -> httpx.Response:
        """One request, following redirects by hand; auth only towards the registry's host."""
        client = self._client_for(registry)
        registry_host = urlsplit(self._base_url(registry)).netloc
        for _ in range(6):
            request = client.build_request(method, url, headers=headers, content=content)
            if urlsplit(url).netloc != registry_host:
                request.headers.pop("Authorization", None)
            response = client.send(request, stream=stream)
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            location = response.headers.get("Location", "")
            response.close()
            if not location:
                raise RegistryError(
                    f"redirect without Location from {method} {url}", where=registry
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
        content: bytes | None = None,
        stream: bool = False,
        ok: tuple[int, ...] = (200,),
    ) -> httpx.Response:
        """Send with auth, retries and one answer to a fresh challenge; raise on an unexpected
        status. `path` may be absolute (an upload Location)."""
        url = path if path.startswith(("http://", "https://")) else self._base_url(registry) + path
        attempt = 0
        answered_challenge = False
        while True:
            all_headers = dict(headers or {})
            all_headers.update(self._auth_header(registry, scope))
            try:
                response = self._send(
                    method, registry, url, headers=all_headers, content=content, stream=stream
                )
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                if method in _IDEMPOTENT and attempt < self._retries:
                    attempt += 1
                    self._sleep(self._backoff * 2 ** (attempt - 1))
                    continue
                raise RegistryError(
                    f"{method} {path}: {type(exc).__name__}", where=registry
                ) from None
            if response.status_code == 401 and not answered_challenge:
                challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
                response.close()
                if challenge is None:
                    raise AuthError(
                        f"{method} {path}: HTTP 401 without a usable challenge", where=registry
                    )
                if challenge.scheme == "bearer" and registry in self._challenge:
                    self._tokens.forget(registry, challenge, scope)
                self._challenge[registry] = challenge
                answered_challenge = True
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

    # --- API -------------------------------------------------------------------------------

    def ping(self, registry: str) -> None:
        self.request("GET", registry, "/v2/", scope="", ok=(200,)).close()

    def get_manifest(self, ref: Reference, accept: tuple[str, ...] = MANIFEST_ACCEPT) -> Manifest:
        response = self.request(
            "GET",
            ref.registry,
            f"/v2/{ref.repository}/manifests/{ref.identifier}",
            scope=f"repository:{ref.repository}:pull",
            headers={"Accept": ", ".join(accept)},
            stream=True,
        )
        try:
            body = _read_capped(
                response, MAX_MANIFEST, where=str(ref), deadline=self._manifest_deadline
            )
        finally:
            response.close()
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        actual = "sha256:" + hashlib.sha256(body).hexdigest()
        expected = ref.digest or response.headers.get("Docker-Content-Digest")
        if expected and expected.startswith("sha256:") and expected != actual:
            raise VerificationError(  # the registry lied: bad input, like a wrong blob
                f"manifest does not match its digest (expected {expected}, got {actual})",
                where=str(ref),
            )
        return Manifest(body, media_type or _sniff_media_type(body), actual)

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
            stream=True,
        )
        return io.BufferedReader(_ResponseStream(response), buffer_size=1 << 20)

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
        """Upload unless present: monolithic PUT by default, PATCH chunks with `chunk_size`."""
        if self.blob_exists(registry, repository, digest):
            return
        scope = f"repository:{repository}:pull,push"
        base = self._base_url(registry)
        start = self.request(
            "POST", registry, f"/v2/{repository}/blobs/uploads/", scope=scope, ok=(202,)
        )
        start.close()
        location = urljoin(base, start.headers.get("Location", ""))
        with opener() as source:
            if chunk_size is None:
                data = source.read()
                final = _with_query(location, digest=digest)
                self.request(
                    "PUT",
                    registry,
                    final,
                    scope=scope,
                    content=data,
                    headers={"Content-Type": "application/octet-stream"},
                    ok=(201,),
                ).close()
                return
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

    def catalog(self, registry: str) -> list[str]:
        return self._paginate(registry, "/v2/_catalog", "registry:catalog:*", "repositories")

    def _paginate(self, registry: str, path: str, scope: str, key: str) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        next_path: str | None = path
        while next_path is not None and next_path not in seen:
            seen.add(next_path)
            response = self.request("GET", registry, next_path, scope=scope)
            try:
                doc = response.json()
            except ValueError:
                raise RegistryError(
                    f"GET {next_path}: answer is not JSON", where=registry
                ) from None
            items = doc.get(key) if isinstance(doc, dict) else None
            out.extend(str(i) for i in items or [])
            match = _LINK_NEXT.search(response.headers.get("Link", ""))
            next_path = match.group(1) if match else None
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
            manifests = response.json().get("manifests", [])
            return [m for m in manifests if isinstance(m, dict)]
        response.close()
        fallback = Reference(registry, repository, digest.replace(":", "-"))
        if self.head_manifest(fallback) is None:
            return []
        index = self.get_manifest(fallback, accept=(OCI_INDEX,))
        try:
            manifests = load_json(index.body, where=str(fallback)).get("manifests", [])
        except ValueError:
            raise RegistryError(
                "referrers fallback tag is not an OCI index", where=str(fallback)
            ) from None
        return [m for m in manifests if isinstance(m, dict)]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _with_query(url: str, **params: str) -> str:
    return str(httpx.URL(url).copy_merge_params(params))


def _read_capped(
    response: httpx.Response, limit: int, *, where: str, deadline: float = 60.0
) -> bytes:
    """Read a small body whole: at most `limit` bytes within `deadline` seconds (a server that
    drips bytes to dodge the per-read timeout is cut off)."""
    buffer = bytearray()
    started = time.monotonic()
    try:
        for chunk in response.iter_bytes():
            buffer += chunk
            if len(buffer) > limit:
                raise RegistryError(f"manifest larger than {limit} bytes", where=where)
            if time.monotonic() - started > deadline:
                raise RegistryError(f"manifest took longer than {deadline:.0f} s", where=where)
    except httpx.HTTPError as exc:
        raise RegistryError(
            f"reading the manifest failed: {type(exc).__name__}", where=where
        ) from None
    return bytes(buffer)


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
        body = response.read()[:4096] if not response.is_closed else b""
        errors = json.loads(body).get("errors", [])
        if errors and isinstance(errors[0], dict):
            detail = f": {errors[0].get('code', '')} {errors[0].get('message', '')}".rstrip()
    except Exception:  # noqa: BLE001 - an HTML error page or garbage: status only
        detail = ""
    finally:
        response.close()
    cls = AuthError if status in (401, 403) else RegistryError
    return cls(f"{method} {path}: HTTP {status}{detail}", where=registry)
