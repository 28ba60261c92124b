"""A small real HTTP server on 127.0.0.1 for playing misbehaving peers (a registry that lies, a
CDN a redirect points at): each test passes a `handle(request)` function; every request is
recorded (path and lower-cased headers)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Handle", "QuietServer", "Seen", "reply", "serve"]

Seen = dict[str, str]
Handle = Callable[[http.server.BaseHTTPRequestHandler], None]


class QuietServer(http.server.ThreadingHTTPServer):
    """Clients that hang up mid-answer (caulk stopping a bad download) are expected here."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def reply(h: http.server.BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    """Answer with `body`; header names are written with `_` for `-` (`Content_Type=…`)."""
    h.send_response(status)
    for key, value in headers.items():
        h.send_header(key.replace("_", "-"), value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


@contextmanager
def serve(handle: Handle) -> Iterator[tuple[str, list[Seen]]]:
    """Serve GET and HEAD with `handle`; yields ("127.0.0.1:PORT", requests seen so far)."""
    seen: list[Seen] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            handle(self)

        do_HEAD = do_GET

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
