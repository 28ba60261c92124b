"""Issue 2's bad inputs that belong to sources: each raises a caulk error whose text is one line
naming the file or blob at fault."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from caulk.errors import ImageFormatError, UnsafeContentError, VerificationError
from caulk.source import Limits, open_image, open_layer
from caulk.source.interface import Descriptor
from caulk.source.verify import VerifyingReader
from tests.support import synth
from tests.unit.source.helpers import one_line, read_layers

LAYER = synth.tar([synth.file("/etc/motd", b"hello\n" * 5000), synth.file("/x", b"x" * 70000)])


def _layout(tmp_path: Path, compression: synth.Compression = "gzip", **faults: object) -> Path:
    img = synth.image([LAYER], compression=compression, faults=synth.Faults(**faults))  # type: ignore[arg-type]
    return synth.write_oci(tmp_path / "l", img, tag="t")


def _blob_path(path: Path, digest: str) -> str:
    return str(path / "blobs" / "sha256" / digest.partition(":")[2])


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_truncated_compressed_layer(tmp_path: Path, compression: synth.Compression) -> None:
    blob = synth.compress(LAYER, compression)
    path = _layout(tmp_path, compression, truncate_layer={0: len(blob) // 2})
    with open_image(f"oci:{path}:t") as image, pytest.raises(ImageFormatError) as err:
        read_layers(image)
    layer = image.layers[0].descriptor
    one_line(err.value, f"truncated {compression}", layer.digest, _blob_path(path, layer.digest))


def test_layer_digest_mismatch(tmp_path: Path) -> None:
    path = _layout(tmp_path, wrong_layer_digest=frozenset({0}))
    with open_image(f"oci:{path}:t") as image, pytest.raises(VerificationError) as err:
        read_layers(image)
    digest = image.layers[0].descriptor.digest
    one_line(err.value, "digest mismatch", digest, _blob_path(path, digest))


@pytest.mark.parametrize("delta", [-1, 1])
def test_layer_size_mismatch(tmp_path: Path, delta: int) -> None:
    path = _layout(tmp_path, layer_size_delta={0: delta})
    with open_image(f"oci:{path}:t") as image, pytest.raises(VerificationError) as err:
        read_layers(image)
    digest = image.layers[0].descriptor.digest
    text = one_line(err.value, digest, _blob_path(path, digest))
    assert ("larger than" in text) if delta < 0 else ("bytes, its descriptor declares" in text)


def test_diff_id_mismatch(tmp_path: Path) -> None:
    path = _layout(tmp_path, wrong_diff_id=frozenset({0}))
    with open_image(f"oci:{path}:t") as image, pytest.raises(VerificationError) as err:
        read_layers(image)
    one_line(err.value, "diff_id", _blob_path(path, image.layers[0].descriptor.digest))


def test_diff_id_checked_even_if_reader_stops_early(tmp_path: Path) -> None:
    path = _layout(tmp_path, wrong_diff_id=frozenset({0}))
    with open_image(f"oci:{path}:t") as image, pytest.raises(VerificationError):
        with image.open_layer(image.layers[0]) as stream:
            stream.read(512)  # only the first header


def test_diff_id_count_mismatch(tmp_path: Path) -> None:
    path = _layout(tmp_path, extra_diff_ids=1)
    with pytest.raises(ImageFormatError) as err:
        open_image(f"oci:{path}:t")
    one_line(err.value, "2 diff_ids", "1 layers")


def test_config_digest_and_size_verified(tmp_path: Path) -> None:
    path = _layout(tmp_path, config_size_delta=3)
    with pytest.raises(VerificationError) as err:
        open_image(f"oci:{path}:t")
    one_line(err.value, "descriptor declares", str(path / "blobs"))
    path = _layout(tmp_path / "2", wrong_config_digest=True)
    with pytest.raises(VerificationError) as err:
        open_image(f"oci:{path}:t")
    one_line(err.value, "digest mismatch")


def test_manifest_blob_verified(tmp_path: Path) -> None:
    img = synth.image([LAYER])
    path = synth.write_oci(tmp_path / "l", img, tag="t")
    manifest = Path(_blob_path(path, img.manifest_digest))
    manifest.write_bytes(manifest.read_bytes().replace(b'"schemaVersion":2', b'"schemaVersion":2 '))
    with pytest.raises(VerificationError) as err:
        open_image(f"oci:{path}:t")
    one_line(err.value, img.manifest_digest, str(manifest))


def test_missing_layer_blob(tmp_path: Path) -> None:
    path = _layout(tmp_path, missing_layer_blob=frozenset({0}))
    with open_image(f"oci:{path}:t") as image, pytest.raises(ImageFormatError) as err:
        read_layers(image)
    digest = image.layers[0].descriptor.digest
    one_line(err.value, "missing", digest, _blob_path(path, digest))


def test_missing_config_blob(tmp_path: Path) -> None:
    path = _layout(tmp_path, missing_config_blob=True)
    with pytest.raises(ImageFormatError) as err:
        open_image(f"oci:{path}:t")
    one_line(err.value, "missing", str(path / "blobs" / "sha256"))


def test_unknown_layer_media_type(tmp_path: Path) -> None:
    path = _layout(tmp_path, layer_media_type={0: "application/x-evil"})
    with pytest.raises(ImageFormatError) as err:
        open_image(f"oci:{path}:t")
    one_line(err.value, "unsupported layer media type", "application/x-evil", str(path))


def test_gzip_bomb_ratio(tmp_path: Path) -> None:
    bomb = synth.gzip_bomb(80 << 20)  # ~80 KiB of gzip for 80 MiB: ratio ~1000:1
    # a correct descriptor, so only the cap can stop it
    bomb_img = _with_raw_layer(bomb, synth.sha256(b"unknown"))
    path = synth.write_oci(tmp_path / "bomb", bomb_img, tag="t")
    with open_image(f"oci:{path}:t") as image, pytest.raises(UnsafeContentError) as err:
        read_layers(image)
    one_line(err.value, "200:1", image.layers[0].descriptor.digest)


def test_total_cap(tmp_path: Path) -> None:
    path = _layout(tmp_path)
    with open_image(f"oci:{path}:t") as image, pytest.raises(UnsafeContentError) as err:
        with open_layer(image, image.layers[0], limits=Limits(max_total=10_000)) as stream:
            stream.read()
    one_line(err.value, "beyond 10000 bytes", _blob_path(path, image.layers[0].descriptor.digest))


def test_corrupt_gzip(tmp_path: Path) -> None:
    blob = synth.compress(LAYER, "gzip")
    bad = blob[:20] + bytes(b ^ 0x55 for b in blob[20:60]) + blob[60:]
    path = synth.write_oci(tmp_path / "l", _with_raw_layer(bad, synth.sha256(LAYER)), tag="t")
    with open_image(f"oci:{path}:t") as image, pytest.raises(ImageFormatError) as err:
        read_layers(image)
    one_line(err.value, "gzip", image.layers[0].descriptor.digest)


def test_verifying_reader_overflow_reported_before_eof() -> None:
    data = b"x" * 100
    desc = Descriptor("application/octet-stream", synth.sha256(data), 10)
    reader = VerifyingReader(io.BytesIO(data), desc, where="f.bin")  # type: ignore[arg-type]
    with pytest.raises(VerificationError) as err:
        reader.read(50)
    assert reader.bytes_read == 11  # stopped one byte past the declared size
    one_line(err.value, "f.bin", "larger than the 10 bytes")


def test_invalid_digest_cannot_escape_layout(tmp_path: Path) -> None:
    img = synth.image([LAYER])
    path = synth.write_oci(tmp_path / "l", img, tag="t")
    index = (
        (path / "index.json").read_text().replace(img.manifest_digest, "sha256:../../etc/passwd")
    )
    (path / "index.json").write_text(index)
    with pytest.raises(ImageFormatError) as err:
        open_image(f"oci:{path}:t")
    one_line(err.value, "invalid or unsupported digest", "index.json")


def test_docker_archive_missing_layer_member(tmp_path: Path) -> None:
    img = synth.image(
        [LAYER], compression="none", faults=synth.Faults(missing_layer_blob=frozenset({0}))
    )
    path = synth.write_docker_archive(tmp_path / "d.tar", img)
    with pytest.raises(ImageFormatError) as err:
        open_image(f"docker-archive:{path}")
    one_line(err.value, "layer.tar", "missing", str(path))


def test_docker_archive_diff_id_mismatch(tmp_path: Path) -> None:
    img = synth.image(
        [LAYER], compression="none", faults=synth.Faults(wrong_diff_id=frozenset({0}))
    )
    path = synth.write_docker_archive(tmp_path / "d.tar", img)
    with open_image(f"docker-archive:{path}") as image, pytest.raises(VerificationError) as err:
        read_layers(image)
    one_line(err.value, str(path), "layer.tar")


def _with_raw_layer(blob: bytes, diff_id: str) -> synth.SynthImage:
    """An image whose only layer blob is `blob` (digest/size right) and diff_id as given."""
    import json

    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": synth.MT_MANIFEST,
            "config": {
                "mediaType": synth.MT_CONFIG,
                "digest": synth.sha256(config),
                "size": len(config),
            },
            "layers": [
                {"mediaType": synth.MT_LAYER_GZIP, "digest": synth.sha256(blob), "size": len(blob)}
            ],
        }
    ).encode()
    return synth.SynthImage(
        manifest=manifest,
        manifest_digest=synth.sha256(manifest),
        config=config,
        config_digest=synth.sha256(config),
        blobs={
            synth.sha256(blob): blob,
            synth.sha256(config): config,
            synth.sha256(manifest): manifest,
        },
        layer_digests=(synth.sha256(blob),),
        diff_ids=(diff_id,),
        uncompressed=(b"",),
        platform=("linux", "amd64", None),
        compressions=("gzip",),
    )
