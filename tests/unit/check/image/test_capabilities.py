"""CK-IMG-018: file capabilities, compared with Debian's `getcap` (libcap2-bin) on a real root
filesystem whose files got real `setcap` calls, packed by GNU tar with `--xattrs` (PAX
`SCHILY.xattr.security.capability`) into an OCI layout and scanned like `caulk scan` does."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tarfile
from pathlib import Path

import pytest

from caulk.check.image.capabilities import CapabilityCheck
from caulk.check.image.interface import ImageContext
from caulk.fs.capabilities import CapabilityError, decode_capabilities
from caulk.fs.view import build_view
from caulk.source import open_image
from tests.support import synth

SETCAP = {
    "usr/bin/ping": "cap_net_raw=ep",
    "usr/bin/mixed": "cap_setuid,cap_net_raw=p cap_sys_admin=ip",
    "usr/bin/bind": "cap_net_bind_service+eip",
    "usr/sbin/most": ",".join(
        ["cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
         "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
         "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw",
         "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
         "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
         "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod"]
    ) + "=ep",
    "opt/app/high": "cap_bpf,cap_perfmon,cap_checkpoint_restore+p",
}  # fmt: skip


def _tool(name: str) -> str:
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if Path(p).exists()), None
    )
    assert path, f"{name} (Debian libcap2-bin, scripts/system-deps.sh) is required"
    return path


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("caps") / "rootfs"
    for rel, caps in SETCAP.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2("/bin/true", target)
        subprocess.run([_tool("setcap"), caps, str(target)], check=True)
    (root / "usr/bin/plain").write_bytes(Path("/bin/true").read_bytes())
    return root


def _getcap(root: Path) -> dict[str, str]:
    out = subprocess.run(
        [_tool("getcap"), "-r", "."], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    found = {}
    for line in out.splitlines():
        path, _, caps = line.partition(" ")
        found[path[1:]] = caps
    return found


def test_capabilities_equal_getcap(rootfs: Path, tmp_path: Path) -> None:
    expected = _getcap(rootfs)
    assert len(expected) == len(SETCAP), expected  # the oracle saw every setcap
    layer = subprocess.run(
        ["tar", "--xattrs", "--xattrs-include=security.capability", "--format=pax",
         "--sort=name", "-C", str(rootfs), "-cf", "-", "."],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    assert b"SCHILY.xattr.security.capability" in layer
    path = synth.oci_layout(tmp_path / "img", [layer], tag="1")
    with open_image(f"oci:{path}:1") as image:
        view = build_view(image, ())
        found = list(CapabilityCheck().run(ImageContext(image, view)))
    got = {f.location.path: dict(f.details)["capabilities"] for f in found}
    assert got == expected
    assert {f.rule_id for f in found} == {"CK-IMG-018"}


def _raw(revision: int, effective: bool, *pairs: tuple[int, int], rootid: int = 0) -> bytes:
    magic = (revision << 24) | int(effective)
    data = struct.pack("<I", magic) + b"".join(struct.pack("<II", p, i) for p, i in pairs)
    return data + (struct.pack("<I", rootid) if revision == 3 else b"")


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (_raw(1, True, (1 << 13, 0)), "cap_net_raw=ep"),
        (_raw(2, False, (1 << 7, 1 << 7), (0, 0)), "cap_setuid=ip"),
        (_raw(2, True, (0, 0), (1 << (39 - 32), 0)), "cap_bpf=ep"),
        (_raw(3, True, (1 << 21, 0), (0, 0), rootid=1000), "cap_sys_admin=ep [rootid=1000]"),
        (_raw(2, False, (0, 0), (0, 0)), "="),
    ],
)
def test_decode_revisions(raw: bytes, text: str) -> None:
    assert decode_capabilities(raw) == text


@pytest.mark.parametrize("raw", [b"", b"\x01\x00", _raw(2, True, (1, 0)), _raw(9, False)])
def test_decode_refuses_what_is_not_a_vfs_cap_data(raw: bytes) -> None:
    with pytest.raises(CapabilityError):
        decode_capabilities(raw)


def _pax_file(path: str, xattr: bytes) -> bytes:
    """A PAX member carrying a raw security.capability value (what GNU tar and Docker write)."""
    info = tarfile.TarInfo(path)
    info.size = 4
    info.mode = 0o755
    info.pax_headers = {
        "SCHILY.xattr.security.capability": xattr.decode("utf-8", "surrogateescape")
    }
    out = io.BytesIO()
    out.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
    out.write(b"\x7fELF" + b"\0" * 508)
    return out.getvalue()


def test_hard_link_reports_the_inode_and_bad_xattr_is_an_unknown(tmp_path: Path) -> None:
    good = _pax_file("usr/bin/a", _raw(2, True, (1 << 7, 0), (0, 0)))
    bad = _pax_file("usr/bin/b", b"\x00\x00\x00\x07junk")
    link = synth.tar([synth.hardlink("/usr/bin/a2", "/usr/bin/a")], trailer=True)
    layer = good + bad + link
    path = synth.oci_layout(tmp_path / "img2", [layer], tag="1")
    with open_image(f"oci:{path}:1") as image:
        view = build_view(image, ())
        got = [
            (f.location.path, f.message) for f in CapabilityCheck().run(ImageContext(image, view))
        ]
        reasons = [u.reason for u in view.unknowns()]
    assert got == [
        ("/usr/bin/a", "/usr/bin/a has file capabilities cap_setuid=ep"),
        ("/usr/bin/a2", "/usr/bin/a2 has file capabilities cap_setuid=ep"),
    ]
    assert any("security.capability" in r and "not a vfs_cap_data" in r for r in reasons)


def test_dir_source_reads_capabilities_like_getcap(rootfs: Path) -> None:
    """`caulk scan dir:ROOTFS` on the extracted root itself: same answer as getcap."""
    with open_image(f"dir:{rootfs}") as image:
        view = build_view(image, ())
        found = list(CapabilityCheck().run(ImageContext(image, view)))
    assert {f.location.path: dict(f.details)["capabilities"] for f in found} == _getcap(rootfs)
