from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

import zstandard

from caulk.harden.content import Staging
from caulk.harden.layer import SQUASH_CODECS, write_layer, write_smallest
from caulk.harden.plan import LayerMember, MemberKind

MEMBERS = (
    LayerMember("/etc", MemberKind.DIR, 0o755, mtime=5),
    LayerMember("/etc/passwd", MemberKind.FILE, 0o644, 0, 0, "root", "root", 7, data=b"root:x\n"),
    LayerMember("/usr/bin/.caf\udce9", MemberKind.FILE, 0o755, 3, 4, "u", "g", 9, data=b"x"),
    LayerMember("/usr/bin/bash", MemberKind.WHITEOUT, mtime=1),
    LayerMember("/usr/bin/chfn", MemberKind.FILE, 0o755, data=b"ELF"),
    LayerMember("/usr/bin/chfn2", MemberKind.HARDLINK, 0o755, link="/usr/bin/chfn"),
    LayerMember("/usr/bin/sh", MemberKind.SYMLINK, 0o777, link="dash"),
)


def _write() -> bytes:
    out = io.BytesIO()
    digests = write_layer(MEMBERS, Staging(io.BytesIO()), out)
    blob = out.getvalue()
    assert digests.digest == "sha256:" + hashlib.sha256(blob).hexdigest()
    assert digests.size == len(blob)
    assert digests.diff_id == "sha256:" + hashlib.sha256(gzip.decompress(blob)).hexdigest()
    return blob


def test_layer_is_deterministic_gzip_without_name_or_time() -> None:
    blob = _write()
    assert blob == _write()
    assert blob[:3] == b"\x1f\x8b\x08"
    assert blob[3] & 0x08 == 0  # no FNAME
    assert blob[4:8] == b"\0\0\0\0"  # MTIME 0


def test_layer_members_round_trip() -> None:
    with tarfile.open(fileobj=io.BytesIO(_write()), mode="r:gz", errors="surrogateescape") as tar:
        infos = tar.getmembers()
        assert infos[2].pax_headers["path"] == "usr/bin/.caf\udce9"  # PAX, name kept exact
        names = [i.name for i in infos]
        assert names == [
            "etc",
            "etc/passwd",
            "usr/bin/.caf\udce9",
            "usr/bin/.wh.bash",
            "usr/bin/chfn",
            "usr/bin/chfn2",
            "usr/bin/sh",
        ]
        by = {i.name: i for i in infos}
        assert by["etc"].isdir() and by["etc"].mtime == 5
        passwd = by["etc/passwd"]
        assert (passwd.uname, passwd.gname, passwd.mtime, passwd.size) == ("root", "root", 7, 7)
        odd = by["usr/bin/.caf\udce9"]
        assert (odd.uid, odd.gid, odd.uname, odd.gname) == (3, 4, "u", "g")
        assert by["usr/bin/.wh.bash"].isreg() and by["usr/bin/.wh.bash"].size == 0
        assert by["usr/bin/chfn2"].islnk() and by["usr/bin/chfn2"].linkname == "usr/bin/chfn"
        assert by["usr/bin/sh"].issym() and by["usr/bin/sh"].linkname == "dash"
        handle = tar.extractfile(passwd)
        assert handle is not None and handle.read() == b"root:x\n"


def _compressible_members() -> tuple[LayerMember, ...]:
    text = b"".join(
        b"line %d of a text file that compresses well\n" % (i % 997) for i in range(40000)
    )
    return (*MEMBERS, LayerMember("/usr/share/doc.txt", MemberKind.FILE, data=text))


def _decompressed(path: Path, media_type: str) -> bytes:
    data = path.read_bytes()
    if media_type.endswith("+zstd"):
        return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    return gzip.decompress(data)


def test_smallest_takes_the_first_codec_within_the_target(tmp_path: Path) -> None:
    members = _compressible_members()
    loose, _ = write_smallest(members, Staging(io.BytesIO()), tmp_path, target=1 << 30)
    assert loose.codec == SQUASH_CODECS[0].name and len(loose.tried) == 1
    (tmp_path / "layer.0").unlink()
    tight, path = write_smallest(members, Staging(io.BytesIO()), tmp_path, target=loose.size - 1)
    assert tight.size <= loose.size - 1 < loose.size
    assert tight.tried[0][0] == SQUASH_CODECS[0].name
    assert tight.codec == tight.tried[-1][0]  # the search stopped at the first winner
    assert tight.diff_id == loose.diff_id  # same tar whatever the codec
    data = _decompressed(path, tight.media_type)
    assert "sha256:" + hashlib.sha256(data).hexdigest() == tight.diff_id
    assert tight.digest == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # scratch cleaned


def test_smallest_keeps_the_smallest_when_none_wins(tmp_path: Path) -> None:
    digests, path = write_smallest(_compressible_members(), Staging(io.BytesIO()), tmp_path, 0)
    sizes = dict(digests.tried)
    assert list(sizes) == [c.name for c in SQUASH_CODECS]
    assert digests.size == min(sizes.values()) == path.stat().st_size
    assert digests.codec == min(sizes, key=lambda name: sizes[name])
