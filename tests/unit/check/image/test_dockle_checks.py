"""dockle parity and the guide's image checks on real OCI layouts: compilers/debuggers/interpreters
(CK-IMG-019), empty passwords (DKL-LI-0001 → CK-IMG-020), duplicate UIDs/GIDs (DKL-LI-0002 →
CK-IMG-021), no HEALTHCHECK (CIS-DI-0006 → CK-IMG-022), sudo in history (DKL-DI-0001 → CK-IMG-023),
and every tag reported as mutable when digests are expected (CK-IMG-013, `require_digest`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.check.image.accounts import AccountsCheck
from caulk.check.image.healthcheck import HealthcheckCheck
from caulk.check.image.history import HistoryCheck, sudo_call
from caulk.check.image.interface import CheckOptions
from caulk.check.image.reference import ReferenceCheck
from caulk.check.image.tools import ToolsCheck
from caulk.fs.toolnames import classify
from tests.support import synth

from .helpers import scan

ELF = b"\x7fELF" + bytes(60)


def _bin(path: str) -> synth.Entry:
    return synth.file(path, ELF, mode=0o755)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("gcc", "dev-tool"), ("gcc-12", "dev-tool"), ("x86_64-linux-gnu-gcc-12", "dev-tool"),
     ("cc", "dev-tool"), ("make", "dev-tool"), ("go", "dev-tool"), ("gdb", "dev-tool"),
     ("strace", "dev-tool"), ("perl", "dev-tool"), ("perl5.36.0", "dev-tool"),
     ("python3.11", "dev-tool"), ("sh", "shell"), ("ls", None), ("gofmt", None), ("ldd", None)],
)  # fmt: skip
def test_classify_dev_tools(name: str, kind: str | None) -> None:
    assert classify(name) == kind


def test_dev_tools_reported_and_allow_listed_by_any_spelling(tmp_path: Path) -> None:
    layer = [synth.dir("/usr"), synth.dir("/usr/bin"), _bin("/usr/bin/gcc-12"),
             synth.symlink("/usr/bin/gcc", "gcc-12"), _bin("/usr/bin/python3.11"),
             synth.symlink("/usr/bin/python3", "python3.11"), _bin("/usr/bin/strace"),
             _bin("/usr/bin/ls")]  # fmt: skip
    found = scan(tmp_path / "a", [layer], checks=[ToolsCheck()])
    got = {(f.rule_id, f.location.path, dict(f.details)["tools"]) for f in found}
    assert got == {
        ("CK-IMG-019", "/usr/bin/gcc-12", "gcc, gcc-12"),
        ("CK-IMG-019", "/usr/bin/python3.11", "python3, python3.11"),
        ("CK-IMG-019", "/usr/bin/strace", "strace"),
    }
    allowed = CheckOptions(allow_tools=frozenset({"python3", "gcc"}))
    found = scan(tmp_path / "b", [layer], checks=[ToolsCheck()], options=allowed)
    assert [f.location.path for f in found] == ["/usr/bin/strace"]


SHADOW = b"root:*:19000:0:99999:7:::\nguest::19000:0:99999:7:::\nlocked:!:19000::::::\n"
PASSWD = (
    b"root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n"
)
GROUP = b"root:x:0:\nstaff:x:50:\nstaff2:x:50:\napp:x:1000:\n"


def test_empty_password_and_duplicate_ids(tmp_path: Path) -> None:
    layer = [synth.dir("/etc"), synth.file("/etc/shadow", SHADOW, mode=0o640),
             synth.file("/etc/passwd", PASSWD), synth.file("/etc/group", GROUP)]  # fmt: skip
    found = scan(tmp_path, [layer], checks=[AccountsCheck()])
    assert [(f.rule_id, f.location.path, f.message) for f in found] == [
        ("CK-IMG-020", "/etc/shadow", "/etc/shadow: account 'guest' has an empty password"),
        ("CK-IMG-021", "/etc/group", "/etc/group: GID 50 is shared by staff, staff2"),
        ("CK-IMG-021", "/etc/passwd", "/etc/passwd: UID 0 is shared by root, toor"),
    ]
    assert found[0].severity.name == "HIGH"


def test_clean_accounts_and_a_later_fix_are_not_reported(tmp_path: Path) -> None:
    fixed = SHADOW.replace(b"guest::", b"guest:!:")
    layers = [
        [synth.dir("/etc"), synth.file("/etc/shadow", SHADOW)],
        [synth.file("/etc/shadow", fixed)],
    ]
    assert scan(tmp_path, layers, checks=[AccountsCheck()]) == []


@pytest.mark.parametrize(
    ("healthcheck", "reported"),
    [
        (None, True),
        ({"Test": ["CMD", "curl", "-f", "localhost"]}, False),
        ({"Test": ["NONE"]}, False),
    ],
)
def test_healthcheck_in_config(tmp_path: Path, healthcheck: object, reported: bool) -> None:
    config = {"config": {"Healthcheck": healthcheck}} if healthcheck else {}
    found = scan(tmp_path, [[synth.dir("/a")]], config=config, checks=[HealthcheckCheck()])
    assert [f.rule_id for f in found] == (["CK-IMG-022"] if reported else [])


@pytest.mark.parametrize(
    ("created_by", "sudo"),
    [
        ("/bin/sh -c sudo apt-get install -y curl", "sudo apt-get install -y"),
        ("RUN /bin/sh -c set -e && sudo -u app make # buildkit", "sudo -u app make"),
        ("/bin/sh -c #(nop) USER app", None),
        ("/bin/sh -c apt-get install -y sudo", None),  # installing it is not running it
        ("RUN /bin/sh -c echo pseudo-random # buildkit", None),
    ],
)
def test_sudo_call(created_by: str, sudo: str | None) -> None:
    assert sudo_call(created_by) == sudo


def test_sudo_in_history_finding(tmp_path: Path) -> None:
    config = {"history": [{"created_by": "RUN /bin/sh -c sudo make install # buildkit"}]}
    found = scan(tmp_path, [[synth.dir("/a")]], config=config, checks=[HistoryCheck()])
    assert [(f.rule_id, f.location.field) for f in found] == [
        ("CK-IMG-023", "history[0].created_by")
    ]


def test_version_tag_is_mutable_only_when_digests_are_required(tmp_path: Path) -> None:
    plain = scan(tmp_path / "a", [[synth.dir("/a")]], tag="1.0", checks=[ReferenceCheck()])
    assert plain == []
    strict = CheckOptions(require_digest=True)
    found = scan(
        tmp_path / "b", [[synth.dir("/a")]], tag="1.0", checks=[ReferenceCheck()], options=strict
    )
    assert [f.rule_id for f in found] == ["CK-IMG-013"]
    assert "by the tag '1.0'; pin it as @sha256:" in found[0].message
