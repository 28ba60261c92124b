"""Fuzz (issue 9): tar headers with hostile PAX records and GNU long names (sizes, times, ids,
paths, link targets, sparse maps): `index_layer` indexes the layer or raises a one-line caulk
`Error`, never another exception. The byte-level mutations live in test_tarwalk_fuzz.py."""

from __future__ import annotations

import io
import tarfile

from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzz import FUZZ, HOSTILE_TOKENS, clean
from tests.unit.fs.helpers import index

KEYS = ["path", "linkpath", "size", "mtime", "atime", "uid", "gid", "uname", "gname",
        "GNU.sparse.map", "GNU.sparse.size", "GNU.sparse.major", "GNU.sparse.minor",
        "GNU.sparse.name", "GNU.sparse.realsize", "SCHILY.xattr.security.capability",
        "SCHILY.xattr.user.x", "comment", "hdrcharset"]  # fmt: skip
VALUES = st.sampled_from(
    ["", "0", "-1", "1.5", "1e9", "9" * 30, "/etc/passwd", "../../x", ".wh..wh..opq", "a/.wh.b",
     "\x00", "\udcff", "BINARY", "0,1,2", "1,2", "1.0"] + [t[:200] for t in HOSTILE_TOKENS]
) | st.text(max_size=40)  # fmt: skip
TYPES = [tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE,
         tarfile.FIFOTYPE, tarfile.GNUTYPE_SPARSE, tarfile.CONTTYPE, b"x", b"g", b"Z"]  # fmt: skip


@st.composite
def members(draw: st.DrawFn) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(draw(st.sampled_from(["a", "etc/passwd", "x/" * 60 + "long", "./"])))
    info.type = draw(st.sampled_from(TYPES))
    data = draw(st.binary(max_size=64))
    info.size = len(data) if info.type in (tarfile.REGTYPE, tarfile.CONTTYPE) else 0
    info.linkname = draw(st.sampled_from(["", "a", "/etc/shadow", "../../../x"]))
    info.pax_headers = draw(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=4))
    return info, data if info.size else b""


def _tar(entries: list[tuple[tarfile.TarInfo, bytes]], fmt: int) -> bytes | None:
    out = io.BytesIO()
    try:
        with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
            for info, data in entries:
                tar.addfile(info, io.BytesIO(data))
    except (ValueError, UnicodeError, OverflowError):
        return None  # tarfile itself refused to write that header
    return out.getvalue()


@FUZZ
@given(st.lists(members(), min_size=1, max_size=4), st.sampled_from([tarfile.PAX_FORMAT,
       tarfile.GNU_FORMAT]))  # fmt: skip
def test_hostile_tar_headers_fail_cleanly(
    entries: list[tuple[tarfile.TarInfo, bytes]], fmt: int
) -> None:
    data = _tar(entries, fmt)
    if data is not None:
        clean(lambda: index(data))
