"""A real HTTP server on 127.0.0.1 serving feed files like a static host / GCS bucket: ETag,
Last-Modified, If-None-Match, Range + If-Range (206), optional `x-goog-hash`, and switches to cut a
response short or stall it (to test resumed downloads and time budgets)."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Feeds:
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    cut_after: dict[str, int] = field(default_factory=dict)  # path → bytes sent before a hang-up
    goog_md5: dict[str, str] = field(default_factory=dict)  # path → md5 to announce
    stall_after: dict[str, int] = field(default_factory=dict)  # path → bytes sent before stalling
    url: str = ""

    def etag(self, path: str) -> str:
        return '"' + hashlib.sha256(self.files[path]).hexdigest()[:16] + '"'

    def md5(self, path: str) -> str:
        return base64.b64encode(hashlib.md5(self.files[path]).digest()).decode()


def _handler(feeds: Feeds) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            feeds.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            body = feeds.files.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = feeds.etag(self.path)
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            start, status = 0, 200
            ranged = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
            if ranged and self.headers.get("If-Range", etag) == etag:
                start, status = int(ranged.group(1)), 206
            payload = body[start:]
            self.send_response(status)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", "Sat, 28 Nov 2026 10:00:00 GMT")
            self.send_header("Content-Length", str(len(payload)))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            if self.path in feeds.goog_md5:
                self.send_header("x-goog-hash", f"crc32c=AAAAAA==,md5={feeds.goog_md5[self.path]}")
            self.end_headers()
            stall = feeds.stall_after.pop(self.path, None)
            if stall is not None:  # a slow link: some bytes, then nothing for a long while
                self.wfile.write(payload[:stall])
                self.wfile.flush()
                time.sleep(5)
                self.close_connection = True
                return
            cut = feeds.cut_after.pop(self.path, None)
            if cut is not None:
                self.wfile.write(payload[:cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)

    return Handler


@contextmanager
def serve(feeds: Feeds) -> Iterator[Feeds]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(feeds))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    feeds.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield feeds
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
