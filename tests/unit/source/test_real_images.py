"""The sources on a real Debian image (mmdebstrap + umoci, copied by skopeo): every transport
resolves the same config and the same verified layers."""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from caulk.sink import draft_from_image, write_image
from caulk.source import open_image

pytestmark = [pytest.mark.images("bookworm-layers"), pytest.mark.slow]


def _layer_sizes(ref: str) -> tuple[tuple[str, ...], list[int], bytes]:
    with open_image(ref) as image:
        sizes = []
        for layer in image.layers:
            with image.open_layer(layer) as stream:
                n = 0
                while chunk := stream.read(1 << 20):
                    n += len(chunk)
                sizes.append(n)
        return image.config.diff_ids, sizes, image.config.raw


def test_all_transports_agree(image_ref: Callable[..., str]) -> None:
    results = {t: _layer_sizes(image_ref("bookworm-layers", t)) for t in ("oci", "oci-archive")}
    results["docker-archive"] = _layer_sizes(image_ref("bookworm-layers", "docker-archive"))
    assert len({r[0] for r in results.values()}) == 1  # same diff_ids everywhere
    assert len({tuple(r[1]) for r in results.values()}) == 1
    assert results["oci"][2] == results["oci-archive"][2]
    assert len(results["oci"][0]) >= 2


def test_dir_transport_on_unpacked_rootfs(image_rootfs: Callable[[str], Path]) -> None:
    rootfs = image_rootfs("bookworm-layers")
    with open_image(f"dir:{rootfs}") as image:
        with (
            image.open_layer(image.layers[0]) as stream,
            tarfile.open(fileobj=stream, mode="r|") as tar,
        ):
            names = {m.name: m for m in tar}
    assert names["usr/bin/su"].mode & 0o4000
    assert names["bin"].issym()  # merged /usr: a symlink, stored, never followed


def test_copy_real_image_to_docker_archive(image_ref: Callable[..., str], tmp_path: Path) -> None:
    with open_image(image_ref("bookworm-layers", "oci")) as image:
        write_image(draft_from_image(image), f"docker-archive:{tmp_path}/d.tar:bookworm:x")
        diff_ids = image.config.diff_ids
    with open_image(f"docker-archive:{tmp_path}/d.tar:bookworm:x") as copy:
        assert copy.config.diff_ids == diff_ids
        assert [layer.descriptor.digest for layer in copy.layers] == list(diff_ids)
