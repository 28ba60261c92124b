"""`caulk profile apparmor|seccomp` on real images: Debian's apparmor_parser accepts the AppArmor
profile (a missing parser fails the test); the seccomp profile has Docker's shape, keeps
everything when the image has a static program or a `syscall()` importer, and drops the
candidates nobody imports when built from real Debian ELF files only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from caulk.catalog.elfdeps import read_elf_deps
from caulk.fs.view import build_view
from caulk.profile import PROFILE_ANALYZERS, seccomp_profile
from caulk.profile.seccomp import CANDIDATES, base_allow_list
from caulk.source import open_image
from tests.support import synth

pytestmark = [pytest.mark.integration]

LIB = "usr/lib/x86_64-linux-gnu"
LS_CLOSURE = ("usr/bin/ls", f"{LIB}/libc.so.6", f"{LIB}/libselinux.so.1",
              f"{LIB}/libpcre2-8.so.0", f"{LIB}/ld-linux-x86-64.so.2")  # fmt: skip


def _caulk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from caulk.cli.main import main; main()", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.images("bookworm-tools")
def test_apparmor_profile_parses_with_apparmor_parser(
    image_ref: Callable[..., str], tmp_path: Path
) -> None:
    parser = shutil.which("apparmor_parser") or "/usr/sbin/apparmor_parser"
    assert Path(parser).is_file(), "apparmor_parser missing: scripts/system-deps.sh (apparmor)"
    out = tmp_path / "profile"
    proc = _caulk("profile", "apparmor", image_ref("bookworm-tools"), "--name", "tools", "-o",
                  str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "  /usr/bin/curl ix," in text and "  /usr/bin/python3.11 ix," in text
    parsed = subprocess.run([parser, "-Q", "-K", str(out)], capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stderr
    broken = tmp_path / "broken"
    broken.write_text(text.replace("  deny ptrace,", "  deny ptrace"))  # the oracle can fail
    assert subprocess.run([parser, "-Q", "-K", str(broken)], capture_output=True).returncode != 0


@pytest.mark.images("bookworm")
def test_seccomp_on_debian_keeps_everything_and_says_why(
    image_ref: Callable[..., str], tmp_path: Path
) -> None:
    out = tmp_path / "seccomp.json"
    proc = _caulk("profile", "seccomp", image_ref("bookworm"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["defaultAction"] == "SCMP_ACT_ERRNO"
    assert doc["archMap"][0]["architecture"] == "SCMP_ARCH_X86_64"
    allow, *personality = doc["syscalls"]
    assert allow["action"] == "SCMP_ACT_ALLOW"
    assert {r["args"][0]["value"] for r in personality} == {0, 8, 0x20000, 0x20008, 0xFFFFFFFF}
    assert all(r["names"] == ["personality"] for r in personality)
    assert allow["names"] == sorted(base_allow_list())  # nothing removed
    assert "static program /usr/sbin/ldconfig" in proc.stderr  # glibc's ldconfig is static
    assert {"read", "write", "execve", "ptrace"} <= set(allow["names"])
    assert not {"mount", "unshare", "reboot"} & set(allow["names"])


def _image_of(rootfs: Path, tmp_path: Path, paths: tuple[str, ...]) -> str:
    entries = [synth.dir("/usr/bin"), synth.dir(f"/{LIB}"), synth.dir("/usr/sbin")]
    for path in paths:
        entries.append(synth.file(f"/{path}", (rootfs / path).read_bytes(), mode=0o755))
    root = synth.oci_layout(tmp_path / "img", [synth.tar(entries)])
    return f"oci:{root}:latest"


def _proof(ref: str) -> tuple[dict[str, object], object]:
    with open_image(ref) as image:
        return seccomp_profile(build_view(image, PROFILE_ANALYZERS))


@pytest.mark.images("bookworm")
@pytest.mark.parametrize(
    ("extra", "blocker"),
    [((), None), (("usr/sbin/ldconfig",), "static program"), (("usr/bin/choom",), "syscall()")],
)
def test_seccomp_removes_only_what_is_proven(
    image_rootfs: Callable[[str], Path],
    tmp_path: Path,
    extra: tuple[str, ...],
    blocker: str | None,
) -> None:
    ref = _image_of(image_rootfs("bookworm"), tmp_path, LS_CLOSURE + extra)
    doc, proof = _proof(ref)
    names = set(doc["syscalls"][0]["names"])  # type: ignore[index]
    if blocker is None:
        assert proof.blockers == ()  # type: ignore[attr-defined]
        assert set(proof.removed) == set(CANDIDATES)  # type: ignore[attr-defined]
        assert "ptrace" not in names and "process_vm_readv" not in names
    else:
        assert blocker in proof.blockers[0]  # type: ignore[attr-defined]
        assert proof.removed == ()  # type: ignore[attr-defined]
        assert "ptrace" in names
    assert {"read", "execve", "mmap"} <= names


@pytest.mark.images("bookworm")
def test_runc_runs_the_image_under_the_seccomp_profile(
    image_ref: Callable[..., str], tmp_path: Path
) -> None:
    """A real consumer: runc loads the profile (libseccomp), the image's programs run under it,
    and a call the profile leaves out (unshare) fails with EPERM — and works without it."""
    runc = shutil.which("runc")
    assert runc is not None, "runc missing: scripts/system-deps.sh (runc)"
    ref = image_ref("bookworm")
    profile = tmp_path / "seccomp.json"
    assert _caulk("profile", "seccomp", ref, "-o", str(profile)).returncode == 0
    layout = ref.split(":", 1)[1].rsplit(":", 1)[0]
    bundle = tmp_path / "bundle"
    subprocess.run(["umoci", "unpack", "--image", f"{layout}:latest", str(bundle)],
                   check=True, capture_output=True)  # fmt: skip
    script = "ls / >/dev/null && echo started; unshare --user true; echo unshare=$?"

    def run(seccomp: dict[str, object] | None) -> str:
        config = json.loads((bundle / "config.json").read_text())
        config["process"].update(args=["/bin/sh", "-c", script], terminal=False)
        config["linux"].pop("seccomp", None)
        if seccomp is not None:
            config["linux"]["seccomp"] = seccomp
        (bundle / "config.json").write_text(json.dumps(config))
        proc = subprocess.run(
            [runc, "--root", str(tmp_path / "state"), "run", "--bundle", str(bundle),
             f"caulk-{tmp_path.name}"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        return proc.stdout + proc.stderr

    confined = run(json.loads(profile.read_text()))
    assert "started" in confined and "unshare=1" in confined, confined
    assert "Operation not permitted" in confined
    assert "unshare=0" in run(None)  # the denial is the profile's doing


@pytest.mark.images("bookworm")
def test_elf_deps_of_real_debian_files(image_rootfs: Callable[[str], Path]) -> None:
    root = image_rootfs("bookworm")
    ls = read_elf_deps((root / "usr/bin/ls").read_bytes())
    assert ls.interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert ls.needed == ("libselinux.so.1", "libc.so.6") and ls.pie and not ls.static
    libc = read_elf_deps((root / LIB / "libc.so.6").read_bytes())
    assert libc.soname == "libc.so.6" and not libc.static
    assert read_elf_deps((root / "usr/sbin/ldconfig").read_bytes()).static
    choom = read_elf_deps((root / "usr/bin/choom").read_bytes())
    assert choom.imports is not None and "syscall" in choom.imports
