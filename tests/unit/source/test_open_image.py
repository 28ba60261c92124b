from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from caulk.errors import ImageFormatError, UsageError
from caulk.source import open_image
from caulk.source.interface import Compression, Platform
from tests.support import synth
from tests.unit.source.helpers import one_line, read_layers

BASE = synth.tar(
    [
        synth.dir("/bin"),
        synth.file("/bin/sh", b"#!/bin/sh\n", mode=0o4755),
        synth.symlink("/bin/bash", "sh"),
        synth.hardlink("/bin/ash", "/bin/sh"),
    ]
)
TOP = synth.tar([synth.whiteout("/bin/bash"), synth.file("/etc/motd", b"hi\n")])
NAMES = [["bin", "bin/sh", "bin/bash", "bin/ash"], ["bin/.wh.bash", "etc/motd"]]
CONFIG = {
    "config": {
        "User": "app",
        "Env": ["A=1"],
        "Entrypoint": ["/bin/sh"],
        "Cmd": ["-c", "true"],
        "WorkingDir": "/w",
        "Labels": {"b": "2", "a": "1"},
        "ExposedPorts": {"80/tcp": {}},
        "Volumes": {"/data": {}},
        "StopSignal": "SIGTERM",
        "Healthcheck": {"Test": ["CMD", "true"]},
    }
}


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_oci_layout_by_tag(tmp_path: Path, compression: synth.Compression) -> None:
    path = synth.oci_layout(tmp_path / "l", [BASE, TOP], tag="1.0", compression=compression)
    with open_image(f"oci:{path}:1.0") as image:
        assert image.tag == "1.0"
        assert image.transport == "oci"
        assert image.platform == Platform("linux", "amd64")
        assert [layer.compression for layer in image.layers] == [Compression(compression)] * 2
        assert read_layers(image) == NAMES


def test_oci_layout_by_digest_and_only_entry(tmp_path: Path) -> None:
    img = synth.image([BASE])
    path = synth.write_oci(tmp_path / "l", img, tag="t")
    with open_image(f"oci:{path}@{img.manifest_digest}") as image:
        assert image.manifest_digest == img.manifest_digest
        assert image.digest == img.manifest_digest
    with open_image(f"oci:{path}") as image:
        assert image.tag == "t"  # the only entry, carrying its tag


def test_config_fields(tmp_path: Path) -> None:
    path = synth.oci_layout(tmp_path / "l", [BASE], config=CONFIG)
    with open_image(f"oci:{path}:latest") as image:
        c = image.config
        assert (c.user, c.env, c.entrypoint, c.cmd) == (
            "app",
            ("A=1",),
            ("/bin/sh",),
            ("-c", "true"),
        )
        assert c.working_dir == "/w"
        assert c.labels == (("a", "1"), ("b", "2"))
        assert c.exposed_ports == ("80/tcp",)
        assert c.volumes == ("/data",)
        assert c.stop_signal == "SIGTERM"
        assert c.healthcheck == ("CMD", "true")
        assert c.history[0].created_by == "synth layer 0"
        assert c.diff_ids == (synth.sha256(BASE),)
        assert json.loads(c.raw)["config"]["User"] == "app"


def test_multi_platform_index(tmp_path: Path) -> None:
    amd = synth.image([BASE])
    arm = synth.image([TOP], platform="linux/arm64/v8")
    path = synth.write_oci(tmp_path / "l", [arm, amd], tag="m", nested=True)
    with open_image(f"oci:{path}:m") as image:
        assert image.platform == Platform("linux", "amd64")
        assert image.manifest_digest == amd.manifest_digest
        assert image.index_digest is not None
    with open_image(f"oci:{path}:m", platform=Platform.parse("linux/arm64")) as image:
        assert image.platform == Platform("linux", "arm64", "v8")
        assert read_layers(image) == [NAMES[1]]


def test_platform_not_in_index(tmp_path: Path) -> None:
    path = synth.write_oci(
        tmp_path / "l", [synth.image([BASE]), synth.image([TOP], platform="linux/arm64/v8")]
    )
    with pytest.raises(ImageFormatError) as err:
        open_image(f"oci:{path}:latest", platform=Platform.parse("linux/s390x"))
    one_line(err.value, "linux/s390x", "linux/amd64, linux/arm64/v8", str(path / "blobs"))


def test_unknown_tag_lists_tags(tmp_path: Path) -> None:
    path = synth.oci_layout(tmp_path / "l", [BASE], tag="1.0")
    with pytest.raises(ImageFormatError) as err:
        open_image(f"oci:{path}:2.0")
    one_line(err.value, "'2.0'", "1.0", "index.json")


def test_oci_archive(tmp_path: Path) -> None:
    path = synth.oci_archive(tmp_path / "a.tar", [BASE, TOP], tag="v1", compression="zstd")
    with open_image(f"oci-archive:{path}:v1") as image:
        assert image.transport == "oci-archive"
        assert read_layers(image) == NAMES


@pytest.mark.parametrize("layout", ["legacy", "oci"])
def test_docker_archive(tmp_path: Path, layout: str) -> None:
    path = synth.docker_archive(
        tmp_path / "d.tar", [BASE, TOP], repo_tags=["app:1.0"], layout=layout
    )
    for ref in (f"docker-archive:{path}", f"docker-archive:{path}:app:1.0"):
        with open_image(ref) as image:
            assert image.tag == "1.0"
            assert read_layers(image) == NAMES
            assert image.config.diff_ids == (synth.sha256(BASE), synth.sha256(TOP))
    with pytest.raises(ImageFormatError) as err:
        open_image(f"docker-archive:{path}:other:1.0")
    one_line(err.value, "other:1.0", "app:1.0")


def test_docker_archive_gzip_layers(tmp_path: Path) -> None:
    path = synth.docker_archive(tmp_path / "d.tar", [BASE, TOP], compression=["gzip", "zstd"])
    with open_image(f"docker-archive:{path}") as image:
        assert [layer.compression for layer in image.layers] == [
            Compression.GZIP,
            Compression.ZSTD,
        ]
        assert read_layers(image) == NAMES


def test_gzipped_docker_archive_is_refused(tmp_path: Path) -> None:
    img = synth.image([BASE], compression="none", docker_media_types=True)
    path = synth.write_docker_archive(tmp_path / "d.tar.gz", img, gzip_archive=True)
    with pytest.raises(ImageFormatError) as err:
        open_image(f"docker-archive:{path}")
    one_line(err.value, str(path), "gunzip")


def test_rootfs_dir(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "busybox").write_bytes(b"\x7fELF")
    (root / "bin" / "busybox").chmod(0o4755)
    (root / "bin" / "sh").hardlink_to(root / "bin" / "busybox")
    (root / "etc").symlink_to("/etc")  # must be stored, never followed
    (root / "escape").symlink_to("../../../../etc/passwd")
    with open_image(f"dir:{root}") as image:
        assert image.transport == "dir"
        assert image.manifest_digest is None
        assert image.digest == image.config_descriptor.digest
        layer = image.layers[0]
        with image.open_layer(layer) as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            members = {m.name: m for m in tar}
        assert sorted(members) == ["bin", "bin/busybox", "bin/sh", "escape", "etc"]
        assert members["etc"].issym() and members["etc"].linkname == "/etc"
        assert members["bin/sh"].islnk() and members["bin/sh"].linkname == "bin/busybox"
        assert members["bin/busybox"].mode == 0o4755
    # deterministic: the same tree gives the same diff_id
    with open_image(f"dir:{root}") as again:
        assert again.layers[0].diff_id == layer.diff_id


def test_rootfs_changed_between_open_and_read(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "f").write_bytes(b"one")
    with open_image(f"dir:{root}") as image:
        (root / "f").write_bytes(b"two")
        with pytest.raises(ImageFormatError) as err, image.open_layer(image.layers[0]):
            pass
        one_line(err.value, "digest mismatch", str(root))


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("oci:", "unsupported image reference"),
        ("registry:", "unsupported image reference"),
        ("Not/A/Valid/Ref", "invalid repository"),  # bare references are registry references
    ],
)
def test_unusable_reference(ref: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        open_image(ref)
    one_line(err.value, message)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ImageFormatError) as err:
        open_image(f"oci:{tmp_path}/nope:latest")
    one_line(err.value, "nope")
