"""CK-IMG-005/006: the config User, resolved through the image's /etc/passwd."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.check.image.user import UserCheck
from tests.support import synth

from .helpers import scan

PASSWD = b"root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\napp:x:10001:10001::/app:\n"


def rules_for(tmp_path: Path, user: str | None, passwd: bytes | None = PASSWD) -> list[str]:
    layer = [synth.dir("/etc")]
    if passwd is not None:
        layer.append(synth.file("/etc/passwd", passwd))
    config = {"config": {"User": user}} if user is not None else {"config": {}}
    found = scan(tmp_path, [layer], config=config, checks=[UserCheck()])
    for f in found:
        assert f.location.field == "config.User"
    return [f.rule_id for f in found]


@pytest.mark.parametrize(
    ("user", "rules"),
    [
        (None, ["CK-IMG-005"]),
        ("", ["CK-IMG-005"]),
        ("root", ["CK-IMG-005"]),
        ("0", ["CK-IMG-005"]),
        ("root:app", ["CK-IMG-005"]),
        ("0:0", ["CK-IMG-005"]),
        ("toor", ["CK-IMG-005"]),  # a name with uid 0 in /etc/passwd
        ("app", []),
        ("app:app", []),
        ("10001", []),
        ("10001:0", []),  # group root is not user root
        ("4242", []),  # numeric uids need no passwd entry
        ("ghost", ["CK-IMG-006"]),
    ],
)
def test_user(tmp_path: Path, user: str | None, rules: list[str]) -> None:
    assert rules_for(tmp_path, user) == rules


def test_named_user_without_passwd_file(tmp_path: Path) -> None:
    assert rules_for(tmp_path, "app", passwd=None) == ["CK-IMG-006"]
    assert rules_for(tmp_path / "n", "1000", passwd=None) == []
