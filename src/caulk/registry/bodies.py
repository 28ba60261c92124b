"""Reading what a registry (or its token service, or a CDN it redirects to) sends back, with the
limits a hostile peer cannot talk its way around:

- small documents (manifests, token replies, tag pages, error bodies) are read up to a byte cap
  within an overall deadline: a server dripping one byte per read timeout is cut off;
- blob bodies stream, and must keep a minimum throughput over the time spent waiting on the
  network (time the consumer spends between reads does not count against the server).

    body = read_capped(response, 64 * 1024, what="token reply", where=host, deadline=60.0)
    doc = parse_json(body, what="token reply", where=host)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx

from caulk.chunkstream import ChunkStream
from caulk.errors import RegistryError
from caulk.safeload import DocumentError, load_json

__all__ = ["MIN_BLOB_RATE", "RATE_WINDOW", "BlobStream", "parse_json", "read_capped"]

MIN_BLOB_RATE = 10 * 1024  # bytes per second of network wait, averaged over RATE_WINDOW
RATE_WINDOW = 30.0  # seconds of network wait per throughput check


def read_capped(
    response: httpx.Response, limit: int, *, what: str, where: str, deadline: float
) -> bytes:
    """At most `limit` bytes of a streamed response, all within `deadline` seconds; the
    response is left open (the caller closes it)."""
    buffer = bytearray()
    started = time.monotonic()
    try:
        for chunk in response.iter_bytes():
            buffer += chunk
            if len(buffer) > limit:
                raise RegistryError(f"{what} larger than {limit} bytes", where=where)
            if time.monotonic() - started > deadline:
                raise RegistryError(f"{what} took longer than {deadline:.0f} s", where=where)
    except httpx.HTTPError as exc:
        message = f"reading the {what} failed: {type(exc).__name__}"
        raise RegistryError(message, where=where) from None
    return bytes(buffer)


def parse_json(body: bytes, *, what: str, where: str) -> Any:
    """JSON from a peer; garbage or absurd nesting is one RegistryError naming the peer."""
    try:
        return load_json(body, where=where, what=what)
    except DocumentError as exc:
        raise RegistryError(exc.message, where=where) from None


class BlobStream(ChunkStream):
    """A streamed blob body as a readable file; closes the response when closed. Raises
    RegistryError when less than `min_rate` bytes per second arrive over `window` seconds of
    waiting on the network."""

    def __init__(
        self,
        response: httpx.Response,
        *,
        min_rate: float = MIN_BLOB_RATE,
        window: float = RATE_WINDOW,
    ) -> None:
        super().__init__(_rated_chunks(response, min_rate, window))
        self._response = response

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()


def _rated_chunks(response: httpx.Response, min_rate: float, window: float) -> Iterator[bytes]:
    """The body as the network delivers it (the rate check sees each read); only the time spent
    waiting on the network counts, not the consumer's time between reads."""
    chunks = response.iter_raw()
    waited, received = 0.0, 0
    while True:
        started = time.monotonic()
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        except httpx.HTTPError as exc:
            where = str(response.request.url.copy_with(query=None))
            raise RegistryError(f"download failed: {type(exc).__name__}", where=where) from None
        waited += time.monotonic() - started
        received += len(chunk)
        if waited >= window:
            if received < min_rate * waited:
                raise RegistryError(
                    f"download too slow: {received / waited:.0f} bytes/s over {waited:.0f} s "
                    f"(minimum {min_rate:.0f} bytes/s)",
                    where=str(response.request.url.copy_with(query=None)),
                )
            waited, received = 0.0, 0
        yield chunk
