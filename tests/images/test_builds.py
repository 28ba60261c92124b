"""The real images are what they claim: checked with dpkg-query, find, skopeo, GNU tar (slow)."""

from __future__ import annotations

import gzip
import json
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.images.build import layer_blobs
from tests.images.recipes import TEST_SECRETS

BOOKWORM_SETUID = {
    "/usr/bin/chage",
    "/usr/bin/chfn",
    "/usr/bin/chsh",
    "/usr/bin/expiry",
    "/usr/bin/gpasswd",
    "/usr/bin/mount",
    "/usr/bin/newgrp",
    "/usr/bin/passwd",
    "/usr/bin/su",
    "/usr/bin/umount",
    "/usr/sbin/unix_chkpwd",
}
# bookworm-layers: chfn deleted, newgrp re-added 0755; setuid copy, its hardlink, setgid copy added.
LAYERS_SETUID = BOOKWORM_SETUID - {"/usr/bin/chfn", "/usr/bin/newgrp"} | {
    "/usr/local/bin/rootshell",
    "/usr/local/bin/rootshell-link",
    "/usr/local/bin/groupcat",
}


def _find_setuid(root: Path) -> set[str]:
    out = subprocess.run(
        ["find", root, "-perm", "/6000", "-type", "f"], capture_output=True, text=True, check=True
    ).stdout
    return {"/" + str(Path(line).relative_to(root)) for line in out.splitlines()}


def _dpkg_packages(root: Path) -> set[str]:
    out = subprocess.run(
        ["dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W", "-f", "${Package}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def _layer_members(blob: Path) -> dict[str, tarfile.TarInfo]:
    with gzip.open(blob) as raw, tarfile.open(fileobj=raw, mode="r|") as tar:
        return {m.name.removeprefix("./"): m for m in tar}


def _skopeo_config(ref: str) -> dict[str, object]:
    out = subprocess.run(
        ["skopeo", "--insecure-policy", "inspect", "--config", ref],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.images("bookworm")
def test_bookworm_setuid_set_matches_find(image_rootfs: Callable[[str], Path]) -> None:
    assert _find_setuid(image_rootfs("bookworm")) == BOOKWORM_SETUID


@pytest.mark.parametrize(
    ("name", "codename"),
    [
        pytest.param("bullseye", "bullseye", marks=pytest.mark.images("bullseye")),
        pytest.param("bookworm", "bookworm", marks=pytest.mark.images("bookworm")),
        pytest.param("trixie", "trixie", marks=pytest.mark.images("trixie")),
    ],
)
def test_minbase_images(
    name: str, codename: str, real_image: Callable[[str], Path], image_rootfs: Callable[..., Path]
) -> None:
    root = image_rootfs(name)
    os_release = (root / "usr/lib/os-release").read_text()
    assert f"VERSION_CODENAME={codename}" in os_release
    packages = _dpkg_packages(root)
    assert {"base-files", "dpkg", "bash", "passwd", "libc6", "apt"} <= packages
    assert 70 <= len(packages) <= 120, len(packages)
    assert not list((root / "usr/share/man").rglob("*.gz")), "slim: man pages excluded"
    # The maybe-merged-usr hook merges /usr where the release does (bookworm on), not bullseye.
    assert (root / "bin").is_symlink() == (codename != "bullseye")
    blobs = layer_blobs(real_image(name))
    assert len(blobs) == 1 and 20e6 < blobs[0].stat().st_size < 45e6


@pytest.mark.images("bookworm-tools")
def test_bookworm_tools(
    real_image: Callable[[str], Path], image_rootfs: Callable[..., Path]
) -> None:
    root = image_rootfs("bookworm-tools")
    assert {"curl", "ca-certificates", "netcat-openbsd", "python3"} <= _dpkg_packages(root)
    assert (root / "usr/bin/nc.openbsd").is_file() and (root / "usr/bin/curl").is_file()
    blobs = layer_blobs(real_image("bookworm-tools"))
    assert len(blobs) == 1 and 40e6 < blobs[0].stat().st_size < 65e6


@pytest.mark.images("bookworm-layers")
def test_layers_final_filesystem(image_rootfs: Callable[[str], Path]) -> None:
    root = image_rootfs("bookworm-layers")
    assert _find_setuid(root) == LAYERS_SETUID
    assert sorted(p.name for p in (root / "opt/cache").iterdir()) == ["fresh.txt"]
    assert (root / "opt/data/config.txt").read_text() == "mode=second\n"
    for gone in ("etc/ssl/private/server.key", "opt/data/big.bin", "opt/olddir", "usr/bin/chfn"):
        assert not (root / gone).exists(), gone
    assert (root / "srv/shared").stat().st_mode & 0o7777 == 0o777
    assert TEST_SECRETS["aws_access_key_id"] in (root / "root/.aws/credentials").read_text()
    assert any((root / "var/lib/apt/lists").glob("*_Packages"))


@pytest.mark.images("bookworm-layers")
def test_layers_tars_hold_real_whiteouts(real_image: Callable[[str], Path]) -> None:
    blobs = layer_blobs(real_image("bookworm-layers"))
    assert len(blobs) == 5
    base, added, deleted, opaque, _apt = (_layer_members(b) for b in blobs)
    assert "usr/bin/chfn" in base
    assert "etc/ssl/private/server.key" in added  # the deleted secret is still in the image
    assert {"opt/.wh.olddir", "opt/data/.wh.big.bin", "usr/bin/.wh.chfn"} <= set(deleted)
    assert "opt/cache/.wh..wh..opq" in opaque


@pytest.mark.images("bookworm-layers")
def test_layers_config_and_archives(
    image_ref: Callable[..., str], real_image: Callable[[str], Path]
) -> None:
    config = _skopeo_config(image_ref("bookworm-layers"))
    assert config["config"]["User"] == "0:0"  # type: ignore[index]
    env = config["config"]["Env"]  # type: ignore[index]
    assert f"DB_PASSWORD={TEST_SECRETS['env_db_password']}" in env
    history = config["history"]
    assert isinstance(history, list)
    assert any("| sh" in h.get("created_by", "") for h in history)
    assert any(h.get("created_by", "").startswith("ADD https://") for h in history)
    diff_ids = config["rootfs"]["diff_ids"]  # type: ignore[index]
    for transport in ("docker-archive", "oci-archive"):
        ref = image_ref("bookworm-layers", transport)
        assert _skopeo_config(ref)["rootfs"]["diff_ids"] == diff_ids, transport  # type: ignore[index]
    assert image_ref("bookworm-layers") == f"oci:{real_image('bookworm-layers')}:latest"


@pytest.mark.images("bookworm-umoci-insert")
def test_umoci_insert_layer_lacks_the_tar_trailer(
    real_image: Callable[[str], Path], image_rootfs: Callable[[str], Path]
) -> None:
    top = layer_blobs(real_image("bookworm-umoci-insert"))[-1]
    raw = gzip.decompress(top.read_bytes())
    assert len(raw) % 512 != 0, "last member unpadded, no end-of-archive blocks"
    gnu = subprocess.run(["tar", "-t"], input=raw, capture_output=True, check=False)
    assert gnu.returncode != 0 and b"Unexpected EOF" in gnu.stderr
    with pytest.raises(tarfile.ReadError), tarfile.open(fileobj=gzip.open(top), mode="r|") as tar:
        list(tar)
    assert (image_rootfs("bookworm-umoci-insert") / "opt/inserted/hello.txt").is_file()
