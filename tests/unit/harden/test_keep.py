"""`--keep-only` / `--from-profile`: what is kept (symlink chains, subtrees, startup programs,
/etc basics, parents) and how profiles are read. ELF closures on real binaries are checked in
tests/integration/test_defang_peers.py (the kept program runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.errors import UsageError
from caulk.harden import DefangOptions, KeepSpec, parse_profile
from caulk.harden.plan import MemberKind
from tests.support import synth
from tests.unit.harden.support import run

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "harden" / "strace-ls.txt"
ROOT = [
    synth.dir("/usr"),
    synth.dir("/usr/bin"),
    synth.symlink("/bin", "usr/bin"),
    synth.file("/usr/bin/app", b"app", mode=0o755),
    synth.file("/usr/bin/other", b"other", mode=0o755),
    synth.file("/usr/bin/dash", b"dash", mode=0o755),
    synth.symlink("/usr/bin/sh", "dash"),
    synth.dir("/etc"),
    synth.file("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
    synth.file("/etc/shadow", b"root:*:1::::::\n"),
    synth.dir("/etc/alternatives"),
    synth.symlink("/etc/alternatives/tool", "/bin/app"),
    synth.symlink("/usr/bin/tool", "/etc/alternatives/tool"),
    synth.dir("/srv"),
    synth.dir("/srv/www"),
    synth.file("/srv/www/index.html", b"<p>"),
    synth.file("/srv/other.txt", b"x"),
]


def _files(out: object) -> set[str]:
    return {m.path for m in out.plan.members if m.kind is not MemberKind.DIR}  # type: ignore[attr-defined]


def test_keep_only_follows_links_and_keeps_subtrees(tmp_path: Path) -> None:
    options = DefangOptions(keep=KeepSpec(("/usr/bin/tool", "/srv/www")))
    out = run(tmp_path, [ROOT], options, config={"config": {"Cmd": ["/bin/sh", "-c", "app"]}})
    assert out.plan.squash
    assert _files(out) == {
        "/usr/bin/tool", "/etc/alternatives/tool", "/bin", "/usr/bin/app",  # the link chain
        "/srv/www/index.html",  # the subtree
        "/usr/bin/sh", "/usr/bin/dash",  # Cmd's shell, through /bin
        "/etc/passwd",  # an /etc basic
    }  # fmt: skip
    dirs = {m.path for m in out.plan.members if m.kind is MemberKind.DIR}
    assert dirs == {"/usr", "/usr/bin", "/etc", "/etc/alternatives", "/srv", "/srv/www"}
    assert (
        out.plan.created_by
    ) == "caulk defang --keep-only /srv/www --keep-only /usr/bin/tool --squash"


def test_keep_only_unknown_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--keep-only /nope: no such path"):
        run(tmp_path, [ROOT], DefangOptions(keep=KeepSpec(("/nope",))))


def test_profile_directories_keep_only_themselves(tmp_path: Path) -> None:
    spec = parse_profile("/srv\n/usr/bin/other\n/not/there\n", "list.txt")
    out = run(tmp_path, [ROOT], DefangOptions(keep=spec))
    assert "/srv/www/index.html" not in _files(out) and "/usr/bin/other" in _files(out)
    assert "/srv" in {m.path for m in out.plan.members}


def test_parse_recorded_strace_profile() -> None:
    spec = parse_profile(FIXTURE.read_text(), str(FIXTURE))
    assert spec.source == "--from-profile" and not spec.subtrees
    paths = set(spec.paths)
    assert {"/usr/bin/ls", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
            "/lib/x86_64-linux-gnu/libselinux.so.1", "/etc/debian_version"} <= paths  # fmt: skip
    assert all(p.startswith("/") for p in paths)
    assert not any("ROOTFS" in p or 'selinux"' in p for p in paths)


def test_parse_strace_escapes_and_truncation() -> None:
    text = (
        '12 openat(AT_FDCWD, "/opt/a\\"b\\303\\251", O_RDONLY) = 3\n'
        '[pid 13] stat("/very/long/path/cut/by/strace"..., 0x1) = 0\n'
        '13 execve("/usr/bin/x", ["x"], 0x0 /* 3 vars */) = 0\n'
    )
    assert parse_profile(text, "p").paths == ('/opt/a"bé', "/usr/bin/x")


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "no absolute paths"), ("relative/path\n", "line 1: neither strace output")],
)
def test_bad_profiles(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_profile(text, "p.txt")


def test_cli_keep_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.unit.harden.test_cli import _caulk

    root = synth.oci_layout(tmp_path / "in", [synth.tar(ROOT)])
    src, out = f"oci:{root}:latest", tmp_path / "out.tar"
    profile = tmp_path / "p.txt"
    profile.write_text("/usr/bin/other\n")
    bad = [
        (("--keep-only", "usr/bin/app"), "give an absolute path"),
        (("--keep-only", "/usr/bin/app", "--from-profile", str(profile)), "give one of them"),
        (("--keep-only", "/nope"), "--keep-only /nope: no such path"),
    ]
    for args, message in bad:
        code, _, err = _caulk(capsys, "defang", src, "-o", f"oci-archive:{out}", *args)
        assert code == 2 and message in err and err.count("\n") == 1, err
        assert not out.exists()
    code, stdout, err = _caulk(capsys, "defang", src, "-o", f"oci-archive:{out}",
                               "--from-profile", str(profile))  # fmt: skip
    assert code == 0, err
    assert "squashed" in stdout and "layer    gzip isal-3" in stdout
