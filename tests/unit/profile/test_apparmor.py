"""`caulk profile apparmor` text on synthetic images (the parse check with Debian's
apparmor_parser is in tests/integration/test_profiles.py, on real images)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from caulk.errors import UsageError
from caulk.fs.view import build_view
from caulk.profile import AppArmorOptions, apparmor_profile
from caulk.profile.apparmor import quote_path
from caulk.source import open_image
from tests.support import synth

ROOT = [
    synth.dir("/usr"),
    synth.dir("/usr/bin"),
    synth.file("/usr/bin/app", b"\x7fELF", mode=0o755),
    synth.hardlink("/usr/bin/app2", "/usr/bin/app"),
    synth.file("/usr/bin/data", b"x", mode=0o644),
    synth.file("/usr/bin/with space", b"x", mode=0o755),
    synth.file("/usr/bin/glob*[x]", b"x", mode=0o755),
]


def _profile(tmp_path: Path, options: AppArmorOptions, **settings: Any) -> str:
    root = synth.oci_layout(tmp_path / "img", [synth.tar(ROOT)], config={"config": settings})
    with open_image(f"oci:{root}:latest") as image:
        return apparmor_profile(image, build_view(image), options)


def test_executables_writable_dirs_and_denials(tmp_path: Path) -> None:
    text = _profile(tmp_path, AppArmorOptions(name="app"), Volumes={"/data": {}})
    lines = text.splitlines()
    assert "profile app flags=(attach_disconnected,mediate_deleted) {" in lines
    assert {"  /usr/bin/app ix,", "  /usr/bin/app2 ix,", '  "/usr/bin/with space" ix,',
            "  /usr/bin/glob\\*\\[x\\] ix,"} <= set(lines)  # fmt: skip
    assert not any("/usr/bin/data" in line for line in lines)
    assert {"  /data/** rwkl,", "  /tmp/** rwkl,", "  deny network raw,", "  deny mount,",
            "  deny ptrace,", "  /** r,"} <= set(lines)  # fmt: skip
    assert not any(" w" in line and line.strip().startswith("/** ") for line in lines)
    assert "capability net_raw," not in lines


def test_raw_network_and_more_writable(tmp_path: Path) -> None:
    options = AppArmorOptions(raw_network=True, writable=("/var/cache/app",))
    lines = _profile(tmp_path, options).splitlines()
    assert "  network inet raw," in lines and "  deny network raw," not in lines
    assert "  /var/cache/app/** rwkl," in lines


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (AppArmorOptions(name="bad name"), "--name 'bad name'"),
        (AppArmorOptions(writable=("relative",)), "writable path 'relative'"),
        (AppArmorOptions(writable=("/",)), "writable path '/'"),
    ],
)
def test_bad_options(tmp_path: Path, options: AppArmorOptions, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        _profile(tmp_path, options)


def test_quote_path() -> None:
    assert quote_path("/a b") == '"/a b"'
    assert quote_path("/a{b,c}") == "/a\\{b\\,c\\}"
    assert quote_path("/bad\nname") is None
    assert quote_path("/caf\udce9") is None
