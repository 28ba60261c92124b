"""A registry that misbehaves on demand: a small real HTTP server on 127.0.0.1 serving one
synthetic image (`tests/support/synth.py`) through the distribution API, with one fault.

No real registry lies, loops or drips on request, so this plays the part; the well-behaved paths
are exercised against the real CNCF registry elsewhere (tests/integration/registry/).

    with FakeRegistry.serve(image, fault="blob-too-long") as reg:
        run = box.caulk("scan", reg.ref, "--insecure-registry", reg.host)
        reg.requests  # every request seen: path, method and lower-cased headers

Faults (`FAULTS`): see the table at the bottom of this module.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from tests.support import synth
from tests.support.http_server import QuietServer, Seen, reply, serve

__all__ = ["FAULTS", "FakeRegistry", "Seen", "blob_store", "docker_config"]

REPO = "team/app"
TAG = "1.0"
USER, PASSWORD = "bob", "hunter2"
HTML_PAGE = (
    b"<html><head><title>Oops</title></head><body><h1>Service Unavailable</h1></body></html>"
)


@dataclass
class FakeRegistry:
    host: str
    image: synth.SynthImage
    fault: str | None
    requests: list[Seen] = field(default_factory=list)
    redirect_to: str | None = None  # host the blobs redirect to ("redirect-blobs")

    @property
    def ref(self) -> str:
        return f"{self.host}/{REPO}:{TAG}"

    @property
    def by_digest(self) -> str:
        return f"{self.host}/{REPO}@{self.image.manifest_digest}"

    @classmethod
    @contextmanager
    def serve(
        cls, image: synth.SynthImage, *, fault: str | None = None, redirect_to: str | None = None
    ) -> Iterator[FakeRegistry]:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        state: dict[str, FakeRegistry] = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                reg = state["reg"]
                reg.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        **{k.lower(): v for k, v in self.headers.items()},
                    }
                )
                with suppress(BrokenPipeError, ConnectionResetError):
                    reg.handle(self)

            do_HEAD = do_GET

        server = QuietServer(("127.0.0.1", 0), Handler)
        reg = cls(f"127.0.0.1:{server.server_address[1]}", image, fault, redirect_to=redirect_to)
        state["reg"] = reg
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield reg
        finally:
            server.shutdown()
            server.server_close()

    # -------------------------------------------------------------------------------- serving

    def handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        fault = self.fault
        if fault == "auth-loop" or (fault == "redirect-blobs" and not self._authorized(h)):
            reply(h, 401, b"", WWW_Authenticate='Basic realm="fake"')
            return
        if fault == "html-404" and h.path != "/v2/":
            reply(h, 404, HTML_PAGE, Content_Type="text/html")
            return
        if fault == "html-503" and h.path != "/v2/":
            reply(h, 503, HTML_PAGE, Content_Type="text/html", Retry_After="1")
            return
        if h.path == "/v2/":
            reply(h, 200, b"{}", Content_Type="application/json")
            return
        prefix = f"/v2/{REPO}/"
        if h.path.startswith(prefix + "manifests/"):
            self._manifest(h, h.path[len(prefix + "manifests/") :])
        elif h.path.startswith(prefix + "blobs/"):
            self._blob(h, h.path[len(prefix + "blobs/") :])
        else:
            reply(h, 404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no such repo"}]}')

    def _authorized(self, h: http.server.BaseHTTPRequestHandler) -> bool:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return h.headers.get("Authorization") == expected

    def _manifest(self, h: http.server.BaseHTTPRequestHandler, ident: str) -> None:
        img = self.image
        if ident not in (TAG, img.manifest_digest):
            reply(h, 404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}')
            return
        body, digest = img.manifest, img.manifest_digest
        if self.fault == "manifest-digest-lie":
            body = body.replace(b'"schemaVersion":2', b'"schemaVersion": 2')  # other bytes
        if self.fault == "huge-manifest":
            body = body[:-1] + b" " * (5 << 20) + b"}"
            digest = "sha256:" + hashlib.sha256(body).hexdigest()
        headers = {"Content_Type": synth.MT_MANIFEST, "Docker_Content_Digest": digest}
        if self.fault == "slow-loris":
            self._drip(h, body, headers)
            return
        reply(h, 200, body, **headers)

    def _blob(self, h: http.server.BaseHTTPRequestHandler, digest: str) -> None:
        data = self.image.blobs.get(digest)
        if data is None:
            reply(h, 404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"unknown"}]}')
            return
        is_layer = digest in self.image.layer_digests
        if self.fault == "redirect-blobs" and self.redirect_to:
            reply(h, 307, b"", Location=f"http://{self.redirect_to}/storage/{digest}")
            return
        if is_layer and self.fault == "blob-too-long":
            data = data + b"\0" * 4096  # more than the descriptor's size
        elif is_layer and self.fault == "blob-too-short":
            data = data[: len(data) // 2]
        elif is_layer and self.fault == "blob-other-content":
            data = bytes(b ^ 0x5A for b in data)  # same size, other digest
        reply(h, 200, data, Content_Type="application/octet-stream")

    def _drip(self, h: http.server.BaseHTTPRequestHandler, body: bytes, headers: Any) -> None:
        """Announce the body, then send one byte every 0.2 s (dodges any per-read timeout)."""
        h.send_response(200)
        for key, value in headers.items():
            h.send_header(key.replace("_", "-"), value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for byte in body[:200]:
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(0.2)


@contextmanager
def blob_store(image: synth.SynthImage) -> Iterator[tuple[str, list[Seen]]]:
    """Another host (a CDN) serving `/storage/<digest>` without any auth; records requests."""

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        data = image.blobs.get(h.path.rpartition("/")[2], b"")
        reply(h, 200 if data else 404, data)

    with serve(handle) as served:
        yield served


def docker_config(user: str = USER, password: str = PASSWORD, *, host: str) -> dict[str, Any]:
    """A `~/.docker/config.json` holding basic credentials for `host`."""
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"auths": {host: {"auth": auth}}}


FAULTS = {
    "manifest-digest-lie": "manifest body does not match its Docker-Content-Digest",
    "huge-manifest": "a 5 MB manifest (the client caps manifests at 4 MiB)",
    "slow-loris": "the manifest drips one byte every 0.2 s",
    "blob-too-long": "the layer blob has 4 KiB more than its descriptor's size",
    "blob-too-short": "the layer blob stops half way",
    "blob-other-content": "the layer blob has the right size and other bytes",
    "html-404": "every repository URL answers an HTML 404 page",
    "html-503": "every repository URL answers an HTML 503 page (Retry-After: 1)",
    "auth-loop": "401 with a Basic challenge, whatever the credentials",
    "redirect-blobs": "Basic auth; blobs redirect (307) to another host",
}
