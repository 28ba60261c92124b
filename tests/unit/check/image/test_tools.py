"""CK-IMG-002/003/004: shells, tools and package managers on the PATH, once per file."""

from __future__ import annotations

from pathlib import Path

from caulk.check.image.interface import CheckOptions
from caulk.check.image.tools import ToolsCheck
from caulk.model import Finding
from tests.support import synth

from .helpers import scan

EXE = 0o755
MERGED_USR = [
    synth.dir("/usr"),
    synth.dir("/usr/bin"),
    synth.dir("/usr/sbin"),
    synth.dir("/usr/lib"),
    synth.symlink("/bin", "usr/bin"),
    synth.symlink("/sbin", "usr/sbin"),
    synth.dir("/etc"),
    synth.dir("/etc/alternatives"),
]


def summary(findings: list[Finding]) -> list[tuple[str, str | None, str]]:
    return [(f.rule_id, f.location.path, dict(f.details)["names"]) for f in findings]


def test_merged_usr_reports_each_file_once_with_all_its_names(tmp_path: Path) -> None:
    layer = [
        *MERGED_USR,
        synth.file("/usr/bin/dash", b"\x7fELF", mode=EXE),
        synth.symlink("/usr/bin/sh", "dash"),
        synth.file("/usr/bin/nc.openbsd", b"\x7fELF", mode=EXE),
        synth.symlink("/etc/alternatives/nc", "/bin/nc.openbsd"),
        synth.symlink("/usr/bin/nc", "/etc/alternatives/nc"),
        synth.file("/usr/bin/apt-get", b"\x7fELF", mode=EXE),
        synth.file("/usr/bin/ls", b"\x7fELF", mode=EXE),
        synth.file("/usr/lib/bash", b"\x7fELF", mode=EXE),  # not on the PATH
        synth.file("/usr/bin/curl", b"not executable", mode=0o644),
        synth.symlink("/usr/bin/wget", "/nowhere/wget"),  # dangling
    ]
    found = scan(tmp_path, [layer], checks=[ToolsCheck()])
    assert summary(found) == [
        ("CK-IMG-002", "/usr/bin/dash", "/bin/dash, /bin/sh, /usr/bin/dash, /usr/bin/sh"),
        (
            "CK-IMG-003",
            "/usr/bin/nc.openbsd",
            "/bin/nc, /bin/nc.openbsd, /usr/bin/nc, /usr/bin/nc.openbsd",
        ),
        ("CK-IMG-004", "/usr/bin/apt-get", "/bin/apt-get, /usr/bin/apt-get"),
    ]
    assert dict(found[1].details)["tools"] == "nc, nc.openbsd"
    assert found[0].location.layer == 0


def test_busybox_with_applet_symlinks_and_hardlinks(tmp_path: Path) -> None:
    layer = [
        synth.dir("/bin"),
        synth.file("/bin/busybox", b"\x7fELF", mode=EXE),
        synth.symlink("/bin/sh", "busybox"),
        synth.symlink("/bin/ls", "/bin/busybox"),
        synth.hardlink("/bin/wget", "/bin/busybox"),
        synth.dir("/usr"),
        synth.dir("/usr/bin"),
        synth.symlink("/usr/bin/nc", "/bin/busybox"),
    ]
    found = scan(tmp_path, [layer], checks=[ToolsCheck()])
    names = "/bin/busybox, /bin/ls, /bin/sh, /bin/wget, /usr/bin/nc"
    assert summary(found) == [
        ("CK-IMG-002", "/bin/busybox", names),
        ("CK-IMG-003", "/bin/busybox", names),
    ]
    assert "busybox, sh" in found[0].message and "4 applet links" in found[0].message
    assert dict(found[1].details)["tools"] == "nc, wget"


def test_config_path_adds_directories(tmp_path: Path) -> None:
    layer = [synth.dir("/opt"), synth.dir("/opt/py"), synth.file("/opt/py/pip3.12", mode=EXE)]
    assert scan(tmp_path, [layer], checks=[ToolsCheck()]) == []
    config = {"config": {"Env": ["PATH=/opt/py:/usr/bin"]}}
    found = scan(tmp_path / "b", [layer], config=config, checks=[ToolsCheck()])
    assert summary(found) == [("CK-IMG-004", "/opt/py/pip3.12", "/opt/py/pip3.12")]


def test_deleted_in_a_later_layer_is_gone(tmp_path: Path) -> None:
    base = [synth.dir("/bin"), synth.file("/bin/bash", mode=EXE), synth.file("/bin/curl", mode=EXE)]
    top = [synth.whiteout("/bin/bash")]
    found = scan(tmp_path, [base, top], checks=[ToolsCheck()])
    assert summary(found) == [("CK-IMG-003", "/bin/curl", "/bin/curl")]


def test_allow_lists(tmp_path: Path) -> None:
    layer = [
        synth.dir("/bin"),
        synth.file("/bin/bash", mode=EXE),
        synth.symlink("/bin/sh", "bash"),
        synth.file("/bin/curl", mode=EXE),
        synth.file("/bin/wget", mode=EXE),
    ]
    options = CheckOptions(
        allow_tools=frozenset({"curl", "sh"}), allow_paths=frozenset({"/bin/wget"})
    )
    found = scan(tmp_path, [layer], options=options, checks=[ToolsCheck()])
    # bash is still reported (only its `sh` name was allowed); curl and wget are not
    assert summary(found) == [("CK-IMG-002", "/bin/bash", "/bin/bash, /bin/sh")]
    assert dict(found[0].details)["tools"] == "bash"
