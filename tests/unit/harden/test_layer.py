from __future__ import annotations

import gzip
import hashlib
import io
import tarfile

from caulk.harden.content import Staging
from caulk.harden.layer import write_layer
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
