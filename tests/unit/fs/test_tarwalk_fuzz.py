"""Fuzz: whatever bytes arrive, index_layer either indexes them or raises ImageFormatError (or its
UnsafeContentError subclass) with a one-line message; never another exception."""

from __future__ import annotations

import tarfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caulk.errors import ImageFormatError
from tests.support import synth
from tests.unit.fs.helpers import index

SEED = synth.tar(
    [
        synth.dir("/etc"),
        synth.file("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n", mode=0o644),
        synth.symlink("/bin", "usr/bin"),
        synth.hardlink("/etc/passwd2", "/etc/passwd"),
        synth.whiteout("/old"),
        synth.opaque("/var"),
        synth.file("/" + "long/" * 30 + "name", b"x" * 700),
    ],
    format=tarfile.PAX_FORMAT,
)


def _fix_checksums(data: bytearray) -> None:
    """Recompute header checksums so mutations reach the deeper parsing code."""
    pos = 0
    while pos + 512 <= len(data):
        block = data[pos : pos + 512]
        if block == bytes(512):
            break
        block[148:156] = b"        "
        data[pos + 148 : pos + 156] = f"{sum(block):06o}\0 ".encode()
        size_field = bytes(block[124:136]).strip(b" \0")
        try:
            size = int(size_field, 8) if size_field else 0
        except ValueError:
            return
        if block[156:157] in (b"1", b"2", b"3", b"4", b"5", b"6") or size < 0:
            size = 0
        pos += 512 + size + (-size % 512)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), max_size=12),
    st.integers(0, len(SEED)),
    st.booleans(),
)
def test_mutated_tars_fail_cleanly(
    edits: list[tuple[int, int]], cut: int, fix_checksums: bool
) -> None:
    data = bytearray(SEED)
    for pos, value in edits:
        data[pos] = value
    if fix_checksums:
        _fix_checksums(data)
    try:
        index(bytes(data[:cut]))
    except ImageFormatError as exc:
        text = str(exc)
        assert text.startswith("layer0.tar: ") and "\n" not in text


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_fail_cleanly(data: bytes) -> None:
    try:
        index(data)
    except ImageFormatError as exc:
        assert "\n" not in str(exc)
