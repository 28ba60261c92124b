from __future__ import annotations

from pathlib import Path

import pytest

from caulk.check.image.setuid import setuid_files
from caulk.errors import UsageError
from caulk.fs.interface import EntryType
from caulk.harden import DEFAULT_USER, DefangOptions, UserSpec
from tests.support import synth
from tests.unit.harden.support import run

S, T, P = "CK-IMG-002", "CK-IMG-003", "CK-IMG-004"  # shell, tool, package manager

BASE = [
    synth.dir("/usr"),
    synth.dir("/usr/bin"),
    synth.dir("/usr/sbin"),
    synth.symlink("/bin", "usr/bin"),
    synth.symlink("/sbin", "usr/sbin"),
    synth.dir("/etc"),
    synth.file("/etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", mode=0o644),
    synth.file("/etc/group", b"root:x:0:\ntty:x:5:\n", mode=0o644),
    synth.dir("/var"),
    synth.dir("/var/mail", mode=0o2775),
    synth.file("/usr/bin/su", b"su-bytes", mode=0o4755),
    synth.hardlink("/usr/bin/su-link", "/usr/bin/su"),
    synth.file("/usr/bin/wall", b"wall-bytes", mode=0o2755, gid=5),
    synth.file("/usr/bin/passwd", b"passwd-bytes", mode=0o4755),
    synth.file("/usr/bin/ls", b"ls", mode=0o755),
    synth.file("/usr/bin/bash", b"bash", mode=0o755),
    synth.symlink("/usr/bin/rbash", "bash"),
    synth.file("/usr/bin/dash", b"dash", mode=0o755),
    synth.symlink("/usr/bin/sh", "dash"),
    synth.file("/usr/bin/busybox", b"bb", mode=0o755),
    synth.hardlink("/usr/bin/cat", "/usr/bin/busybox"),
    synth.symlink("/usr/sbin/vi", "/bin/busybox"),
    synth.file("/usr/bin/curl", b"curl", mode=0o755),
    synth.file("/usr/bin/nc.openbsd", b"nc", mode=0o755),
    synth.symlink("/usr/bin/nc", "/etc/alternatives/nc"),
    synth.dir("/etc/alternatives"),
    synth.symlink("/etc/alternatives/nc", "/bin/nc.openbsd"),
    synth.file("/usr/bin/dpkg", b"dpkg", mode=0o755),
]
TOP = [
    synth.file("/usr/bin/passwd", b"plain passwd", mode=0o755),  # overwritten: no longer setuid
    synth.file("/usr/bin/chsh", b"chsh-bytes", mode=0o4755, uid=0, gid=0),
]


def test_setuid_and_setgid_cleared_rescan_finds_none(tmp_path: Path) -> None:
    out = run(tmp_path, [BASE, TOP], DefangOptions())
    assert {e.path for e, _ in setuid_files(out.before)} == {
        "/usr/bin/chsh", "/usr/bin/su", "/usr/bin/su-link", "/usr/bin/wall"
    }  # fmt: skip
    assert list(setuid_files(out.after)) == []
    assert [(c.path, c.mode_before, c.mode_after) for c in out.plan.cleared] == [
        ("/usr/bin/chsh", 0o4755, 0o755),
        ("/usr/bin/su", 0o4755, 0o755),
        ("/usr/bin/su-link", 0o4755, 0o755),
        ("/usr/bin/wall", 0o2755, 0o755),
    ]
    members = out.members()
    assert list(members) == [
        "usr", "usr/bin", "usr/bin/chsh", "usr/bin/su", "usr/bin/su-link", "usr/bin/wall"
    ]  # fmt: skip
    assert (
        members["usr/bin/su-link"].islnk() and members["usr/bin/su-link"].linkname == "usr/bin/su"
    )
    assert members["usr/bin/wall"].gid == 5 and members["usr/bin/wall"].mode == 0o755
    assert out.content("usr/bin/su") == b"su-bytes"
    assert out.content("usr/bin/chsh") == b"chsh-bytes"  # from layer 1
    # the setgid directory is not a regular file: untouched, and everything else is still there
    assert out.after.squashed().keys() == out.before.squashed().keys()
    mail = out.after.get("/var/mail")
    assert mail is not None and mail.mode == 0o2775


def test_hardlink_keeps_old_setuid_inode_when_target_overwritten(tmp_path: Path) -> None:
    layers = [
        [synth.dir("/x"), synth.file("/x/a", b"old", mode=0o4755), synth.hardlink("/x/b", "/x/a")],
        [synth.file("/x/a", b"new", mode=0o755)],
    ]
    out = run(tmp_path, layers, DefangOptions())
    assert [c.path for c in out.plan.cleared] == ["/x/b"]
    members = out.members()
    assert members["x/b"].isreg() and out.content("x/b") == b"old"
    assert "x/a" not in members
    assert list(setuid_files(out.after)) == []


def test_remove_shells_whiteouts_real_paths_only(tmp_path: Path) -> None:
    out = run(tmp_path, [BASE], DefangOptions(remove_shells=True, force=True))
    assert {(s, p) for s, p in out.tool_findings() if s == S} == set()
    assert (T, "/usr/bin/curl") in out.tool_findings()  # tools stay without --remove-tools
    names = list(out.members())
    assert not [n for n in names if n.startswith(("bin/", "sbin/"))]
    assert {n for n in names if ".wh." in n} == {
        "usr/bin/.wh.bash", "usr/bin/.wh.rbash", "usr/bin/.wh.dash", "usr/bin/.wh.sh",
        "usr/bin/.wh.busybox", "usr/bin/.wh.cat", "usr/sbin/.wh.vi",
    }  # fmt: skip
    removed = {r.path: r for r in out.plan.removed}
    assert removed["/usr/bin/sh"].names == ("/bin/sh",)
    for path in ("/bin/sh", "/usr/bin/dash", "/usr/bin/cat", "/sbin/vi"):
        assert out.after.get(path) is None and out.after.resolve(path) is None
    assert out.after.get("/usr/bin/ls") is not None


def test_remove_tools_and_package_managers(tmp_path: Path) -> None:
    out = run(tmp_path, [BASE], DefangOptions(remove_tools=True, remove_package_managers=True))
    assert {s for s, _ in out.tool_findings()} == {S}
    assert {r.path for r in out.plan.removed} == {
        "/usr/bin/curl", "/usr/bin/nc", "/usr/bin/nc.openbsd", "/usr/bin/dpkg"
    }  # fmt: skip
    assert out.after.get("/etc/alternatives/nc") is not None  # not on the PATH: left alone


def test_remove_path_through_symlinked_dir(tmp_path: Path) -> None:
    out = run(tmp_path, [BASE], DefangOptions(remove_paths=("/bin/curl", "/var")))
    assert [(r.path, r.names) for r in out.plan.removed] == [
        ("/usr/bin/curl", ("/bin/curl",)),
        ("/var", ()),
    ]
    assert {"usr/bin/.wh.curl", ".wh.var"} <= set(out.members())
    assert out.after.get("/var/mail") is None


def test_remove_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="/nope"):
        run(tmp_path, [BASE], DefangOptions(remove_paths=("/nope",)))


def test_removed_setuid_file_is_whited_out_not_readded(tmp_path: Path) -> None:
    out = run(tmp_path, [BASE], DefangOptions(remove_paths=("/usr/bin/su",)))
    members = out.members()
    assert "usr/bin/.wh.su" in members and "usr/bin/su" not in members
    assert members["usr/bin/su-link"].isreg()  # the other name of the inode is cleared
    assert list(setuid_files(out.after)) == []


def test_user_default_adds_nonroot(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        [BASE],
        DefangOptions(user=DEFAULT_USER),
        config={"created": "2020-02-02T00:00:00Z"},
    )
    assert out.plan.user == "65532:65532" and out.plan.created_user == "nonroot"
    assert out.content("etc/passwd") == (
        b"root:x:0:0:root:/root:/bin/bash\n"
        b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
    )
    assert out.content("etc/group").endswith(b"tty:x:5:\nnonroot:x:65532:\n")
    members = out.members()
    home = members["home/nonroot"]
    assert home.isdir() and (home.uid, home.gid, home.mode) == (65532, 65532, 0o750)
    assert members["home"].isdir() and members["home"].mtime == 1580601600


def test_user_on_image_without_etc(tmp_path: Path) -> None:
    layers = [[synth.dir("/app"), synth.file("/app/run", b"x", mode=0o755)]]
    out = run(tmp_path, layers, DefangOptions(user=UserSpec("1000")))
    assert out.plan.user == "1000:1000"
    members = out.members()
    assert members["etc"].isdir()
    assert out.content("etc/passwd").endswith(
        b"nonroot:x:1000:1000:nonroot:/home/nonroot:/sbin/nologin\n"
    )


def test_file_written_through_symlinked_dir_is_found(tmp_path: Path) -> None:
    layers = [BASE, [synth.file("/bin/newsu", b"via-bin", mode=0o4755)]]
    out = run(tmp_path, layers, DefangOptions())
    assert out.content("usr/bin/newsu") == b"via-bin"
    assert list(setuid_files(out.after)) == []


def test_squash_is_the_final_filesystem(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        [BASE, TOP],
        DefangOptions(squash=True, remove_shells=True, user=DEFAULT_USER, force=True),
    )
    before = out.before.squashed()
    after = out.after.squashed()
    removed = {r.path for r in out.plan.removed}
    assert set(after) == (set(before) - removed) | {"/home", "/home/nonroot"}
    assert list(setuid_files(out.after)) == []
    for path, entry in before.items():
        if path in removed or path in ("/", "/etc/passwd", "/etc/group"):
            continue
        if entry.type is EntryType.HARDLINK:  # a link header's own mode means nothing
            assert after[path].type is EntryType.HARDLINK
            continue
        assert (after[path].type, after[path].mode & 0o1777, after[path].uid, after[path].gid) == (
            entry.type, entry.mode & 0o1777, entry.uid, entry.gid,
        ), path  # fmt: skip
    members = out.members()
    assert out.content("usr/bin/passwd") == b"plain passwd"
    assert members["usr/bin/su-link"].islnk()
    assert not [n for n in members if ".wh." in n]


def test_same_input_same_layer(tmp_path: Path) -> None:
    options = DefangOptions(remove_shells=True, user=DEFAULT_USER, force=True)
    first = run(tmp_path / "a", [BASE, TOP], options)
    second = run(tmp_path / "b", [BASE, TOP], options)
    assert first.blob == second.blob
    assert first.plan == second.plan
