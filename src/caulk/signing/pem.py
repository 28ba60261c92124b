"""PEM blocks as Go's `encoding/pem` reads and writes them (cosign's key files are PEM)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from caulk.errors import InputError

__all__ = ["PemBlock", "decode_pem", "encode_pem"]

_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----[ \t]*\r?\n")


@dataclass(frozen=True, slots=True)
class PemBlock:
    type: str
    body: bytes


def decode_pem(data: bytes, *, where: str) -> PemBlock:
    """The first PEM block in `data` (text before it is ignored, as Go does). Raises InputError
    for a file with no block, a block without its END line, or a body that is not base64."""
    begin = _BEGIN.search(data)
    if begin is None:
        raise InputError("not a PEM file (no -----BEGIN line)", where=where)
    kind = begin.group(1)
    end_line = b"-----END " + kind + b"-----"
    end = data.find(end_line, begin.end())
    if end < 0:
        raise InputError(f"truncated PEM block {kind.decode()!r} (no -----END line)", where=where)
    lines = data[begin.end() : end].splitlines()
    body_lines = [line.strip() for line in lines if b":" not in line]  # skip RFC 1421 headers
    try:
        body = base64.b64decode(b"".join(body_lines), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"PEM block {kind.decode()!r} is not valid base64", where=where) from None
    if not body:
        raise InputError(f"PEM block {kind.decode()!r} is empty", where=where)
    return PemBlock(kind.decode(), body)


def encode_pem(kind: str, body: bytes) -> bytes:
    """Go's `pem.EncodeToMemory`: base64 in 64-character lines."""
    text = base64.b64encode(body)
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    begin, end = f"-----BEGIN {kind}-----\n".encode(), f"-----END {kind}-----\n".encode()
    return b"".join([begin, *(line + b"\n" for line in lines), end])
