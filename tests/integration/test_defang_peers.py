"""`caulk defang` on the real test images, checked by caulk itself and by the real peers:
`umoci unpack` + `find -perm /6000 -type f`, `skopeo inspect`/`skopeo copy`, `dive --ci`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from caulk.scan import scan_image
from caulk.source import open_image
from tests.conftest import CaulkRun

pytestmark = [pytest.mark.integration]

FLAGS = ("--remove-shells", "--remove-tools", "--remove-package-managers", "--user", "--force")
SHELLS = ("sh", "bash", "dash", "rbash")
DIVE = Path(sys.executable).parent / "dive"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (scripts/system-deps.sh)", pytrace=False)
    return path


def _rule_paths(ref: str, rule: str) -> list[str]:
    return sorted(f.location.path or "" for f in scan_image(ref).findings if f.rule_id == rule)


def _unpack(layout: Path, tag: str, bundle: Path) -> Path:
    subprocess.run(
        [_tool("umoci"), "unpack", "--image", f"{layout}:{tag}", str(bundle)],
        check=True,
        capture_output=True,
    )
    return bundle / "rootfs"


def _find_special(root: Path) -> str:
    proc = subprocess.run(
        ["find", str(root), "-perm", "/6000", "-type", "f"],
        check=True,
        capture_output=True,
        text=True,
    )
    return proc.stdout


def _skopeo(*args: str) -> str:
    proc = subprocess.run([_tool("skopeo"), *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _run(*args: str) -> CaulkRun:
    """`caulk ARGS` through the installed entry point: `python -m caulk.cli.main` (conftest's
    runner) registers no command, since `caulk.cli.main` then runs as `__main__` while commands
    register on the imported module's group."""
    proc = subprocess.run(
        [sys.executable, "-c", "from caulk.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return CaulkRun(args, proc.returncode, proc.stdout, proc.stderr)


def _defang(src: str, dest: str, *flags: str) -> CaulkRun:
    result = _run("defang", src, "--output", dest, *flags)
    assert result.code == 0, result
    return result


@pytest.mark.images("bookworm")
def test_bookworm_defanged_oci_is_clean_for_caulk_umoci_and_find(
    image_ref: Callable[..., str],
    image_rootfs: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    src = image_ref("bookworm")
    assert len(_find_special(image_rootfs("bookworm")).split()) == 11  # the oracle sees them before
    assert len(_rule_paths(src, "CK-IMG-001")) == 11
    out = tmp_path / "out"
    result = _defang(src, f"oci:{out}:defanged", *FLAGS)
    assert "11 setuid/setgid cleared" in result.stdout
    ref = f"oci:{out}:defanged"
    assert _rule_paths(ref, "CK-IMG-001") == []
    assert _rule_paths(ref, "CK-IMG-002") == []  # no shell
    assert _rule_paths(ref, "CK-IMG-004") == []  # no package manager
    root = _unpack(out, "defanged", tmp_path / "bundle")
    assert _find_special(root) == ""
    for shell in SHELLS:
        assert not (root / "usr/bin" / shell).exists()
        assert not (root / "usr/bin" / shell).is_symlink()
    assert (root / "bin").is_symlink()  # merged-usr intact: whiteouts went to usr/bin
    assert (root / "usr/bin/ls").is_file()
    assert (
        "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
        in (root / "etc/passwd").read_text()
    )
    assert (root / "home/nonroot").is_dir()
    runtime = json.loads((tmp_path / "bundle/config.json").read_text())
    assert runtime["process"]["user"]["uid"] == 65532
    with open_image(ref) as image, open_image(src) as original:
        assert image.config.user == "65532:65532"
        assert len(image.layers) == len(original.layers) + 1
        assert [la.diff_id for la in image.layers[:-1]] == [la.diff_id for la in original.layers]
        assert image.config.history[-1].created_by.startswith("caulk defang --remove-shells")


@pytest.mark.images("bookworm")
def test_outputs_accepted_by_skopeo_and_dive(image_ref: Callable[..., str], tmp_path: Path) -> None:
    src = image_ref("bookworm")
    oci, oci_archive, docker_archive = (
        f"oci:{tmp_path / 'oci'}:v1",
        f"oci-archive:{tmp_path / 'img.oci.tar'}:v1",
        f"docker-archive:{tmp_path / 'img.docker.tar'}:caulk/bookworm:defanged",
    )
    for dest in (oci, oci_archive, docker_archive):
        _defang(src, dest, "--remove-shells", "--user", "--force")
        inspected = json.loads(_skopeo("inspect", dest))
        assert len(inspected["Layers"]) == 2
        config = json.loads(_skopeo("inspect", "--config", dest))
        assert config["config"]["User"] == "65532:65532"
    _skopeo("copy", oci, f"oci:{tmp_path / 'copied'}:v1")
    _skopeo("copy", oci_archive, f"docker-archive:{tmp_path / 'copied.tar'}:x/y:z")
    _skopeo(
        "copy", f"docker-archive:{tmp_path / 'img.docker.tar'}", f"oci:{tmp_path / 'copied2'}:v1"
    )
    report = tmp_path / "dive.json"
    proc = subprocess.run(
        [str(DIVE), "--ci", "--json", str(report), "--source", "docker-archive",
         str(tmp_path / "img.docker.tar")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dive = json.loads(report.read_text())
    assert len(dive["layer"]) == 2
    assert dive["image"]["efficiencyScore"] > 0.95


@pytest.mark.images("bookworm")
def test_same_input_and_flags_same_digest(image_ref: Callable[..., str], tmp_path: Path) -> None:
    src = image_ref("bookworm")
    digests = set()
    for name in ("a", "b"):
        result = _defang(src, f"oci:{tmp_path / name}:x", "--remove-shells", "--user", "--force")
        digests.add(result.stdout.split("manifest ")[-1].strip())
    assert len(digests) == 1
    other = _defang(src, f"oci:{tmp_path / 'c'}:x", "--remove-tools")
    assert other.stdout.split("manifest ")[-1].strip() not in digests


@pytest.mark.images("bookworm")
def test_squash_removes_the_bytes_from_the_image(
    image_ref: Callable[..., str], tmp_path: Path
) -> None:
    src = image_ref("bookworm")
    out = tmp_path / "squashed"
    result = _defang(src, f"oci:{out}:s", "--squash", "--remove-shells", "--force")
    with open_image(f"oci:{out}:s") as image, open_image(src) as original:
        assert len(image.layers) == 1
        assert all(h.empty_layer for h in image.config.history[:-1])
        # the one layer matches or beats the input's compression (isal-3 alone does not)
        input_bytes = sum(layer.descriptor.size for layer in original.layers)
        assert image.layers[0].descriptor.size <= input_bytes
        assert f"input {input_bytes} bytes compressed (tried gzip isal-3 " in result.stdout
        assert int(result.stdout.split("gzip isal-3 ")[1].split(",")[0].rstrip(")\n")) > (
            input_bytes
        )
    root = _unpack(out, "s", tmp_path / "bundle")
    assert _find_special(root) == ""
    assert not (root / "usr/bin/bash").exists()
    assert (root / "usr/bin/su").is_file()  # still there, without the bit
    assert _rule_paths(f"oci:{out}:s", "CK-IMG-001") == []


@pytest.mark.images("bookworm-layers")
def test_multilayer_image_with_deletions(
    image_ref: Callable[..., str],
    image_rootfs: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    src = image_ref("bookworm-layers", "docker-archive")
    assert _find_special(image_rootfs("bookworm-layers")) != ""
    out = tmp_path / "out"
    _defang(src, f"oci:{out}:d", "--user", "1000")
    assert _rule_paths(f"oci:{out}:d", "CK-IMG-001") == []
    assert _find_special(_unpack(out, "d", tmp_path / "bundle")) == ""
    with open_image(f"oci:{out}:d") as image:
        assert image.config.user == "1000:1000"


@pytest.mark.images("bookworm-tools")
def test_tools_removed(image_ref: Callable[..., str], tmp_path: Path) -> None:
    src = image_ref("bookworm-tools")
    assert _rule_paths(src, "CK-IMG-003")  # curl, nc before
    out = f"oci-archive:{tmp_path / 'tools.tar'}"
    _defang(src, out, "--remove-tools", "--remove-package-managers")
    assert _rule_paths(out, "CK-IMG-003") == []
    assert _rule_paths(out, "CK-IMG-004") == []
    assert _rule_paths(out, "CK-IMG-002") != []  # shells stay without --remove-shells


@pytest.mark.images("bookworm")
def test_error_leaves_nothing(image_ref: Callable[..., str], tmp_path: Path) -> None:
    src = image_ref("bookworm")
    dest = tmp_path / "out"
    dest.mkdir()
    result = _run("defang", src, "--output", f"oci-archive:{dest / 'x.tar'}", "--remove", "/nope")
    assert result.code == 2 and "--remove /nope: no such path" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(dest.iterdir()) == []


@pytest.mark.images("bookworm")
def test_remove_shells_refuses_when_cmd_needs_bash(
    image_ref: Callable[..., str], tmp_path: Path
) -> None:
    src = image_ref("bookworm")  # config Cmd ["/bin/bash"], as the mmdebstrap recipe writes it
    dest = tmp_path / "out"
    dest.mkdir()
    result = _run("defang", src, "--output", f"oci:{dest / 'o'}:x", "--remove-shells")
    assert result.code == 2, result
    assert result.stderr.startswith(
        "caulk: Cmd runs /bin/bash = /usr/bin/bash, which --remove-shells removes"
    )
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert list(dest.iterdir()) == []


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "harden"


def _run_in(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run a program of an unpacked image inside it (`chroot`; `unshare -r` when not root)."""
    prefix = ["chroot"] if os.geteuid() == 0 else ["unshare", "-r", "chroot"]
    return subprocess.run([*prefix, str(root), *argv], capture_output=True, text=True, check=False)


@pytest.mark.images("bookworm")
def test_keep_only_ls_runs_and_peers_read_it(image_ref: Callable[..., str], tmp_path: Path) -> None:
    src = image_ref("bookworm")
    out = tmp_path / "slim"
    result = _defang(src, f"oci:{out}:s", "--keep-only", "/usr/bin/ls")
    inspected = json.loads(_skopeo("inspect", f"oci:{out}:s"))
    assert len(inspected["Layers"]) == 1
    with open_image(f"oci:{out}:s") as image, open_image(src) as original:
        slim = image.layers[0].descriptor.size
        assert slim * 10 < sum(la.descriptor.size for la in original.layers), result.stdout
    root = _unpack(out, "s", tmp_path / "bundle")
    ran = _run_in(root, "/usr/bin/ls", "-ln", "/etc/passwd")  # libselinux, libpcre2, libc, ld.so
    assert ran.returncode == 0 and " 0 0 " in ran.stdout, ran.stderr
    ran = _run_in(root, "/bin/bash", "-c", "echo started")  # Cmd ["/bin/bash"] is kept
    assert ran.stdout == "started\n", ran.stderr
    assert not (root / "usr/bin/cat").exists() and not (root / "usr/bin/dpkg").exists()


@pytest.mark.images("bookworm")
def test_from_recorded_strace_profile_runs_the_recorded_command(
    image_ref: Callable[..., str], image_rootfs: Callable[[str], Path], tmp_path: Path
) -> None:
    src = image_ref("bookworm")
    command = ("/usr/bin/ls", "-l", "/etc/debian_version")  # what strace-ls.txt recorded
    expected = _run_in(image_rootfs("bookworm"), *command)
    assert expected.returncode == 0 and "root root" in expected.stdout
    out = tmp_path / "profiled"
    _defang(src, f"oci:{out}:p", "--from-profile", str(FIXTURES / "strace-ls.txt"))
    root = _unpack(out, "p", tmp_path / "bundle")
    ran = _run_in(root, *command)
    assert (ran.returncode, ran.stdout) == (0, expected.stdout), ran.stderr
    assert not (root / "usr/bin/cat").exists()
