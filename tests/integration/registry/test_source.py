"""Images read straight from the real registry: pushed by skopeo (the peer), streamed and verified
by caulk without touching the disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from caulk.errors import ImageFormatError
from caulk.source import open_image
from caulk.source.interface import Platform
from tests.support import synth
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def _skopeo_push(src: str, dest: str, *extra: str) -> None:
    subprocess.run(
        ["skopeo", "copy", "--quiet", *extra, "--dest-tls-verify=false", src, f"docker://{dest}"],
        check=True,
        capture_output=True,
    )


def _layer(name: str) -> bytes:
    return synth.tar([synth.file(f"/etc/{name}", name.encode() * 100, mode=0o644)])


def test_multi_platform_image_from_registry(registry: RegistryServer, tmp_path: Path) -> None:
    amd = synth.image([_layer("amd")], platform="linux/amd64")
    arm = synth.image([_layer("arm"), _layer("two")], platform="linux/arm64/v8")
    layout = synth.write_oci(tmp_path / "layout", [amd, arm], tag="1")
    _skopeo_push(f"oci:{layout}:1", f"{registry.host}/team-a/multi:1", "--all")

    with open_image(f"{registry.host}/team-a/multi:1", registry=registry.insecure_options) as image:
        assert image.transport == "registry"
        assert str(image.platform) == "linux/amd64"
        assert image.tag == "1"
        assert image.index_digest is not None
        with image.open_layer(image.layers[0]) as stream:
            assert stream.read() == amd.uncompressed[0]
    with open_image(
        f"registry:{registry.host}/team-a/multi:1",
        platform=Platform.parse("linux/arm64/v8"),
        registry=registry.insecure_options,
    ) as image:
        assert len(image.layers) == 2
        for layer, expected in zip(image.layers, arm.uncompressed, strict=True):
            with image.open_layer(layer) as stream:
                assert stream.read() == expected
    with pytest.raises(ImageFormatError, match=r"platform linux/s390x not in the image index"):
        open_image(
            f"{registry.host}/team-a/multi:1",
            platform=Platform.parse("linux/s390x"),
            registry=registry.insecure_options,
        )


def test_corrupted_blob_in_registry_is_caught(registry: RegistryServer, tmp_path: Path) -> None:
    img = synth.image([_layer("corrupt")])
    layout = synth.write_oci(tmp_path / "layout", img, tag="1")
    _skopeo_push(f"oci:{layout}:1", f"{registry.host}/team-a/corrupt:1")
    digest = img.layer_digests[0]
    hexd = digest.split(":")[1]
    data = registry.root / "docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data"
    blob = bytearray(data.read_bytes())
    blob[-10] ^= 0xFF  # same size, different bytes
    data.write_bytes(bytes(blob))
    with open_image(
        f"{registry.host}/team-a/corrupt:1", registry=registry.insecure_options
    ) as image:
        with pytest.raises(ImageFormatError) as info, image.open_layer(image.layers[0]) as s:
            s.read()
    assert "\n" not in str(info.value)
