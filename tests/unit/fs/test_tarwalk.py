"""index_layer: one sequential pass, normalised paths, markers, links, analyzers, hostile input."""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass

import pytest

from caulk.errors import ImageFormatError, UnsafeContentError
from caulk.fs.interface import EntryType, FileEntry
from caulk.fs.tarwalk import index_layer
from tests.support import synth
from tests.unit.fs.helpers import index

f, d, s, wh, opq = synth.file, synth.dir, synth.symlink, synth.whiteout, synth.opaque


class OneShotStream(io.RawIOBase):
    """A non-seekable stream that counts reads; reading past EOF twice is an error."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        n = self._inner.readinto(buf)
        self.bytes_read += n
        return n


def test_entries_types_and_normalised_paths() -> None:
    layer = synth.tar(
        [
            synth.raw("./", type=tarfile.DIRTYPE, mode=0o755),
            d("/usr"),
            d("/usr/bin"),
            f("/usr/bin/su", b"elf", mode=0o4755),
            synth.raw("./usr//bin/./x/../y", b"yy"),
            s("/usr/bin/sh", "dash"),
            synth.hardlink("/usr/bin/su2", "/usr/bin/su"),
            synth.device("/dev/null"),
            synth.fifo("/run/fifo"),
        ]
    )
    li = index(layer, 3)
    got = {e.path: e for e in li.entries}
    assert list(got) == [
        "/", "/usr", "/usr/bin", "/usr/bin/su", "/usr/bin/y", "/usr/bin/sh", "/usr/bin/su2",
        "/dev/null", "/run/fifo",
    ]  # fmt: skip
    su = got["/usr/bin/su"]
    assert (su.type, su.mode, su.size, su.layer, su.is_setuid) == (
        EntryType.FILE,
        0o4755,
        3,
        3,
        True,
    )
    assert got["/usr/bin/sh"].link == "dash" and got["/usr/bin/sh"].type is EntryType.SYMLINK
    assert got["/usr/bin/su2"].link == "/usr/bin/su" and got["/usr/bin/su2"].size == 0
    assert got["/dev/null"].type is EntryType.CHAR
    assert got["/run/fifo"].type is EntryType.FIFO
    assert li.tar_size == len(layer)
    assert li.unknowns == ()


def test_whiteouts_and_opaque_markers_are_recorded_not_listed() -> None:
    li = index(synth.tar([wh("/etc/old"), wh("/top"), opq("/var/lib"), opq("/"), f("/etc/new")]))
    assert [e.path for e in li.entries] == ["/etc/new"]
    assert li.whiteouts == ("/etc/old", "/top")
    assert li.opaque_dirs == ("/var/lib", "/")


def test_pax_gnu_and_ustar_long_names_and_links() -> None:
    long = "/" + "/".join(["d" * 60] * 5) + "/file"
    target = "t" * 150
    for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT):
        li = index(synth.tar([f(long, b"1"), s("/link", target)], format=fmt))
        assert [(e.path, e.link) for e in li.entries] == [(long, None), ("/link", target)]
    # ustar splits long names into prefix + name
    li = index(synth.tar([f("/" + "p" * 120 + "/name", b"")], format=tarfile.USTAR_FORMAT))
    assert li.entries[0].path == "/" + "p" * 120 + "/name"


def test_non_utf8_names_are_kept_exact() -> None:
    li = index(synth.tar([synth.raw(b"caf\xe9", b"x"), synth.raw("na\u00efve", b"y")]))
    paths = [e.path for e in li.entries]
    assert paths == ["/caf\udce9", "/na\u00efve"]
    assert paths[0].encode("utf-8", "surrogateescape") == b"/caf\xe9"


def test_large_uid_and_size_fields_in_base256() -> None:
    info = tarfile.TarInfo("big-uid")
    info.uid = 10**10  # does not fit in octal: GNU base-256
    buf = info.tobuf(tarfile.GNU_FORMAT) + b"\0" * 1024
    assert index(buf).entries[0].uid == 10**10


def test_ten_thousand_entry_directory_and_deep_tree() -> None:
    many = [d("/many")] + [f(f"/many/{i:05d}") for i in range(10_000)]
    deep = "/" + "/".join(f"d{i}" for i in range(300))
    li = index(synth.tar([*many, f(deep + "/leaf", b"z")]))
    assert len(li.entries) == 10_002
    assert li.entries[-1].path == deep + "/leaf"


def test_reads_stream_once_to_the_end() -> None:
    layer = synth.tar([f("/a", b"x" * 5000), f("/b", b"y" * 3)])
    stream = OneShotStream(layer)
    li = index_layer(stream, index=0, diff_id="sha256:x", analyzers=(), where="l.tar")  # type: ignore[arg-type]
    assert stream.bytes_read == len(layer) == li.tar_size


def test_missing_trailer_is_a_warning_not_an_error() -> None:
    li = index(synth.tar([f("/a", b"1"), f("/b", b"2")], trailer=False))
    assert [e.path for e in li.entries] == ["/a", "/b"]
    assert len(li.unknowns) == 1 and "end-of-archive" in li.unknowns[0].reason
    assert li.unknowns[0].location.layer == 0


def test_empty_layer() -> None:
    assert index(b"").entries == ()
    assert index(b"\0" * 10240).unknowns == ()


# ------------------------------------------------------------------------------ analyzers


@dataclass
class Grab:
    name: str = "grab"
    version: str = "1"
    max_size: int = 100
    suffix: str = ".txt"
    seen: int = 0

    def wants(self, entry: FileEntry) -> bool:
        return entry.path.endswith(self.suffix)

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        self.seen += 1
        if data.startswith(b"bad"):
            raise ValueError("cannot parse")
        if data == b"none":
            return None
        return data.decode()


def test_analyzers_read_wanted_files_once() -> None:
    grab, other = Grab(), Grab(name="other", suffix="b.txt", max_size=3)
    layer = synth.tar(
        [
            f("/a.txt", b"alpha"),
            f("/b.txt", b"beta"),  # too big for `other`: Unknown for it, result for grab
            f("/c.bin", b"x" * 1000),
            f("/d.txt", b"bad data"),
            f("/e.txt", b"none"),
            f("/huge.txt", b"h" * 200),
            s("/link.txt", "a.txt"),
        ]
    )
    li = index(layer, analyzers=[grab, other])
    assert li.results == {"grab": {"/a.txt": "alpha", "/b.txt": "beta"}}
    reasons = sorted((u.location.path, u.reason.split(":")[0]) for u in li.unknowns)
    assert reasons == [("/b.txt", "other"), ("/d.txt", "grab"), ("/huge.txt", "grab")]
    assert grab.seen == 4  # a, b, d, e; never the symlink or the too-big file


def test_rewritten_path_drops_earlier_result() -> None:
    grab = Grab()
    li = index(synth.tar([f("/x.txt", b"first"), f("/x.txt", b"none")]), analyzers=[grab])
    assert li.results == {}
    li = index(synth.tar([f("/x.txt", b"first"), f("/x.txt", b"second")]), analyzers=[grab])
    assert li.results == {"grab": {"/x.txt": "second"}}


# ------------------------------------------------------------------------------ hostile input


def _raises(exc: type[Exception], layer: bytes, *words: str) -> None:
    with pytest.raises(exc) as info:
        index(layer)
    text = str(info.value)
    assert text.startswith("layer0.tar: ") and "\n" not in text
    for word in words:
        assert word in text


def test_dotdot_escape() -> None:
    _raises(
        UnsafeContentError,
        synth.tar([synth.raw("a/../../etc/passwd", b"x")]),
        "a/../../etc/passwd",
        "..",
    )


def test_absolute_member() -> None:
    _raises(
        UnsafeContentError, synth.tar([synth.raw("/etc/passwd", b"x")]), "/etc/passwd", "absolute"
    )


def test_hardlink_escape() -> None:
    layer = synth.tar([synth.raw("h", type=tarfile.LNKTYPE, linkname="../../etc/shadow")])
    _raises(UnsafeContentError, layer, "'h'", "hardlink")


def test_hardlink_to_directory() -> None:
    layer = synth.tar([d("/dir"), synth.raw("h", type=tarfile.LNKTYPE, linkname="dir")])
    _raises(ImageFormatError, layer, "'h'", "directory")


def test_write_through_escaping_symlink() -> None:
    layer = synth.tar([s("/evil", "../../../../etc"), synth.raw("evil/cron.d/x", b"pwn")])
    _raises(UnsafeContentError, layer, "evil/cron.d/x", "outside the root")


def test_symlink_to_outside_alone_is_data() -> None:
    li = index(synth.tar([s("/evil", "../../../../etc"), f("/ok", b"")]))
    assert li.entries[0].link == "../../../../etc"


def test_truncated_member_claiming_100_gb() -> None:
    layer = synth.tar([synth.raw("big", b"only a little", size=100 * 2**30)], trailer=False)
    _raises(ImageFormatError, layer, "'big'", "truncated")


def test_truncated_inside_data() -> None:
    layer = synth.tar([f("/a", b"x" * 4000)])[:2000]
    _raises(ImageFormatError, layer, "'a'", "truncated")


def test_truncated_inside_header() -> None:
    layer = synth.tar([f("/a", b"x"), f("/b", b"y")])[: 1024 + 100]
    _raises(ImageFormatError, layer, "truncated")


def test_absurd_size_claim() -> None:
    layer = synth.tar(
        [synth.raw("huge", b"", size=2**60)], trailer=False, format=tarfile.GNU_FORMAT
    )
    _raises(UnsafeContentError, layer, "'huge'", "absurd")


def test_garbage_header() -> None:
    _raises(ImageFormatError, b"this is not a tar file at all".ljust(2048, b"!"), "not a tar")


def test_garbage_numeric_field() -> None:
    block = bytearray(synth.tar([f("/a", b"")])[:512])
    block[124:136] = b"12345678zzz\0"  # size field
    block[148:156] = b"        "
    block[148:155] = f"{sum(block):06o}\0".encode()
    _raises(ImageFormatError, bytes(block) + b"\0" * 1024, "garbage", "'a'")


def test_garbage_after_zero_block() -> None:
    layer = synth.tar([f("/a", b"")], trailer=False) + b"\0" * 512 + synth.tar([f("/b", b"")])
    _raises(ImageFormatError, layer, "garbage after an empty tar block")


def test_malformed_pax_record() -> None:
    pax = b"99 path=x\n"
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = len(pax)
    layer = info.tobuf(tarfile.USTAR_FORMAT) + pax.ljust(512, b"\0") + synth.tar([f("/a")])
    _raises(ImageFormatError, layer, "PAX")


def test_stream_ending_inside_last_padding_lacks_only_the_trailer() -> None:
    """What Debian's `umoci insert` writes: no trailer and no padding after the last member."""
    layer = synth.tar([f("/a", b"x" * 600), f("/b", b"25 bytes of data.........")], trailer=False)
    li = index(layer[: -(512 - 25)])
    assert [(e.path, e.size) for e in li.entries] == [("/a", 600), ("/b", 25)]
    assert [u.reason for u in li.unknowns] == [
        "layer tar has no end-of-archive marker (tolerated, as Docker does)"
    ]
    _raises(ImageFormatError, layer[: -(512 - 24)], "'b'", "truncated")  # one data byte short


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("./", "/"), (".", "/"), ("a", "/a"), ("./a/b/", "/a/b"), ("a/./b", "/a/b"),
        ("a/../b", "/b"), ("a/..", "/"), (".a", "/.a"), ("a/.b", "/a/.b"), ("a//b", "/a/b"),
        ("a/...", "/a/..."), ("../a", None), ("a/../..", None),
    ],
)  # fmt: skip
def test_normalize(raw: str, expected: str | None) -> None:
    from caulk.fs.paths import normalize

    assert normalize(raw) == expected


class ZeroFileStream(io.RawIOBase):
    """A tar of one `size`-byte file of zeros, generated on the fly (never held in memory)."""

    def __init__(self, size: int) -> None:
        info = tarfile.TarInfo("big.bin")
        info.size = size
        self._head = info.tobuf(tarfile.PAX_FORMAT)
        self._left = size + (-size % 512) + 1024

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buf), len(self._head))
            buf[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        n = min(len(buf), self._left)
        buf[:n] = bytes(n)
        self._left -= n
        return n


def test_memory_does_not_grow_with_file_size() -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        li = index_layer(
            ZeroFileStream(256 << 20),  # type: ignore[arg-type]
            index=0,
            diff_id="sha256:x",
            analyzers=[Grab(suffix=".bin", max_size=1 << 20)],
            where="big.tar",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert li.entries[0].size == 256 << 20
    assert "larger than" in li.unknowns[0].reason  # too big for the analyzer: never read whole
    assert peak < 12 << 20, peak


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "12x", "-"])
def test_malformed_pax_values(value: str) -> None:
    info = tarfile.TarInfo("a")
    info.pax_headers = {"mtime": value}
    layer = info.tobuf(tarfile.PAX_FORMAT) + b"\0" * 1024
    _raises(ImageFormatError, layer, "PAX", "'a'")
