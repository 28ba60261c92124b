"""ChunkStream: bytes in order across chunk boundaries, errors after the bytes before them, EOF
after the end or an error, and closing releases the generator."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from caulk.chunkstream import ChunkStream
from caulk.errors import VerificationError


def test_bytes_arrive_in_order_whatever_the_read_size() -> None:
    chunks = [b"", b"abc", b"", b"defgh", b"i" * 5000, b"j"]
    whole = b"".join(chunks)
    for size in (1, 2, 7, 4096, 1 << 20):
        stream = ChunkStream(iter(chunks))
        got = bytearray()
        while piece := stream.read(size):
            assert len(piece) <= size
            got += piece
        assert bytes(got) == whole
        assert stream.read(10) == b""  # EOF stays EOF
    with io.BufferedReader(ChunkStream(iter(chunks)), buffer_size=3) as buffered:
        assert buffered.read() == whole


def test_an_error_comes_after_the_bytes_before_it_then_eof() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"good"
        raise VerificationError("digest mismatch", where="blob")

    stream = ChunkStream(chunks())
    assert stream.read(4) == b"good"
    with pytest.raises(VerificationError, match="digest mismatch"):
        stream.read(4)
    assert stream.read(4) == b""


def test_close_closes_an_unfinished_generator() -> None:
    released: list[str] = []

    def chunks() -> Iterator[bytes]:
        try:
            yield b"first"
            yield b"second"
        finally:
            released.append("file")

    with ChunkStream(chunks()) as stream:
        assert stream.read(5) == b"first"
        assert released == []
    assert released == ["file"] and stream.closed
