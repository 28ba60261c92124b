"""A small real HTTP server on 127.0.0.1 for playing misbehaving peers (a registry that lies, a
CDN a redirect points at, a token service that never stops talking): each test passes a
`handle(request)` function; every request is recorded (method, path and lower-cased headers).

`serve(handle, tls=(cert, key))` speaks TLS *and* plain HTTP on the same port (it looks at the
first byte of each connection), so a test can redirect `https://127.0.0.1:P` to
`http://127.0.0.1:P`, the same host and port over another scheme. `drip` and `endless` write
slow or unbounded bodies."""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Handle", "QuietServer", "Seen", "drip", "endless", "reply", "serve"]

Seen = dict[str, str]
Handle = Callable[[http.server.BaseHTTPRequestHandler], None]


class QuietServer(http.server.ThreadingHTTPServer):
    """Clients that hang up mid-answer (caulk stopping a bad download) are expected here."""

    daemon_threads = True

    tls: ssl.SSLContext | None = None

    def handle_error(self, request: object, client_address: object) -> None:
        pass

    def get_request(self) -> tuple[socket.socket, object]:
        conn, address = super().get_request()
        if self.tls is not None:
            conn.settimeout(5.0)
            try:
                first = conn.recv(1, socket.MSG_PEEK)
            except OSError:
                first = b""
            if first == b"\x16":  # a TLS handshake record
                conn = self.tls.wrap_socket(conn, server_side=True)
            conn.settimeout(None)
        return conn, address


def reply(h: http.server.BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    """Answer with `body`; header names are written with `_` for `-` (`Content_Type=…`)."""
    h.send_response(status)
    for key, value in headers.items():
        h.send_header(key.replace("_", "-"), value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


def drip(h: http.server.BaseHTTPRequestHandler, body: bytes, *, every: float, length: int) -> None:
    """Answer 200 announcing `length` bytes, then send `body` one byte per `every` seconds."""
    h.send_response(200)
    h.send_header("Content-Length", str(length))
    h.end_headers()
    for byte in body:
        try:
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
        except OSError:  # the client gave up, as it should
            return
        time.sleep(every)


def endless(h: http.server.BaseHTTPRequestHandler, head: bytes, filler: bytes) -> None:
    """Answer 200 with `head` then `filler` repeated until the client hangs up (no length)."""
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Connection", "close")
    h.end_headers()
    try:
        h.wfile.write(head)
        while True:
            h.wfile.write(filler)
    except OSError:
        return


@contextmanager
def serve(
    handle: Handle, *, tls: tuple[Path, Path] | None = None
) -> Iterator[tuple[str, list[Seen]]]:
    """Serve every method with `handle`; yields ("127.0.0.1:PORT", requests seen so far). A
    request body is left for `handle` to read. `tls=(cert, key)` adds TLS on the same port."""
    seen: list[Seen] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.append({"method": self.command, "path": self.path, **headers})
            handle(self)

        do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    server = QuietServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        server.tls = context
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
