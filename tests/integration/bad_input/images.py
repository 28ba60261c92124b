"""Hostile and broken images for the CLI bad-input suite, each built by one function from
`tests/support/synth.py` into a directory. A builder returns the reference to pass to caulk and
the fragments the one-line error must contain (the file or blob at fault and the problem).

    case = BROKEN["truncated-gzip"](tmp_path)
    case.ref        # "oci:/…/img:t"
    case.needles    # ("truncated gzip", "/…/blobs/sha256/…")
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support import synth

__all__ = [
    "BROKEN",
    "BROKEN_BLOBS",
    "ImageCase",
    "blob_path",
    "good_image",
    "good_layer",
    "image_with_raw_layer",
    "layout",
]


def good_layer(salt: object = "") -> bytes:
    """A small valid layer whose bytes depend on `salt` (the test's directory), so no two tests
    share a layer: each case reads its own blob instead of meeting another test's layer cache
    entry (the cache tests in test_bad_input_cli.py share layers on purpose)."""
    return synth.tar(
        [
            synth.dir("/etc"),
            synth.file("/etc/motd", b"hello\n" * 200),
            synth.file("/etc/salt", str(salt).encode()),
            synth.file("/x", b"x" * 5000),
        ]
    )


@dataclass(frozen=True, slots=True)
class ImageCase:
    ref: str
    needles: tuple[str, ...]


def blob_path(root: Path, digest: str) -> str:
    return str(root / "blobs" / "sha256" / digest.partition(":")[2])


def layout(
    directory: Path,
    layers: list[bytes] | None = None,
    *,
    compression: synth.Compression = "gzip",
    faults: synth.Faults | None = None,
) -> tuple[Path, synth.SynthImage]:
    img = synth.image(
        layers or [good_layer(directory)],
        compression=compression,
        faults=faults or synth.Faults(),
    )
    return synth.write_oci(directory, img, tag="t"), img


def good_image(directory: Path) -> str:
    return f"oci:{layout(directory)[0]}:t"


def image_with_raw_layer(blob: bytes, diff_id: str) -> synth.SynthImage:
    """One layer whose blob is `blob` (digest and size right, gzip media type) and whose config
    claims `diff_id`: only what is inside the blob can be wrong."""
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        }
    ).encode()
    layer_desc = {"mediaType": synth.MT_LAYER_GZIP, "digest": synth.sha256(blob), "size": len(blob)}
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": synth.MT_MANIFEST,
            "config": {
                "mediaType": synth.MT_CONFIG,
                "digest": synth.sha256(config),
                "size": len(config),
            },
            "layers": [layer_desc],
        }
    ).encode()
    return synth.SynthImage(
        manifest=manifest,
        manifest_digest=synth.sha256(manifest),
        config=config,
        config_digest=synth.sha256(config),
        blobs={synth.sha256(b): b for b in (blob, config, manifest)},
        layer_digests=(synth.sha256(blob),),
        diff_ids=(diff_id,),
        uncompressed=(b"",),
        platform=("linux", "amd64", None),
        compressions=("gzip",),
    )


def _layer_fault(needle: str, faults: synth.Faults) -> Callable[[Path], ImageCase]:
    """A blob-level fault of layer 0; the message names its blob file."""

    def build(directory: Path) -> ImageCase:
        root, img = layout(directory, faults=faults)
        return ImageCase(f"oci:{root}:t", (needle, blob_path(root, img.layer_digests[0])))

    return build


def truncated(compression: synth.Compression) -> Callable[[Path], ImageCase]:
    def build(directory: Path) -> ImageCase:
        cut = len(synth.compress(good_layer(directory), compression)) // 2
        root, img = layout(
            directory, compression=compression, faults=synth.Faults(truncate_layer={0: cut})
        )
        digest = img.layer_digests[0]
        return ImageCase(
            f"oci:{root}:t", (f"truncated {compression}", digest, blob_path(root, digest))
        )

    return build


def corrupt_gzip(directory: Path) -> ImageCase:
    layer = good_layer(directory)
    blob = synth.compress(layer, "gzip")
    bad = blob[:20] + bytes(b ^ 0x55 for b in blob[20:60]) + blob[60:]
    root = synth.write_oci(directory, image_with_raw_layer(bad, synth.sha256(layer)), tag="t")
    return ImageCase(f"oci:{root}:t", ("gzip", blob_path(root, synth.sha256(bad))))


def unknown_media_type(directory: Path) -> ImageCase:
    root, _ = layout(directory, faults=synth.Faults(layer_media_type={0: "application/x-evil"}))
    return ImageCase(f"oci:{root}:t", ("unsupported layer media type", "application/x-evil"))


def diff_id_count(directory: Path) -> ImageCase:
    root, _ = layout(directory, faults=synth.Faults(extra_diff_ids=1))
    return ImageCase(f"oci:{root}:t", ("2 diff_ids", "1 layers"))


def missing_config(directory: Path) -> ImageCase:
    root, img = layout(directory, faults=synth.Faults(missing_config_blob=True))
    return ImageCase(f"oci:{root}:t", ("missing", blob_path(root, img.config_digest)))


def config_digest_mismatch(directory: Path) -> ImageCase:
    root, _ = layout(directory, faults=synth.Faults(wrong_config_digest=True))
    return ImageCase(f"oci:{root}:t", ("digest mismatch", str(root / "blobs")))


def manifest_tampered(directory: Path) -> ImageCase:
    root, img = layout(directory)
    manifest = Path(blob_path(root, img.manifest_digest))
    manifest.write_bytes(manifest.read_bytes().replace(b'"schemaVersion":2', b'"schemaVersion":2 '))
    return ImageCase(f"oci:{root}:t", (img.manifest_digest, str(manifest)))


def digest_escaping_layout(directory: Path) -> ImageCase:
    root, img = layout(directory)
    index = root / "index.json"
    index.write_text(index.read_text().replace(img.manifest_digest, "sha256:../../../etc/passwd"))
    return ImageCase(f"oci:{root}:t", ("invalid or unsupported digest", str(index)))


def index_without_platform(directory: Path) -> ImageCase:
    images = [
        synth.image([good_layer(directory)], platform="linux/arm64/v8"),
        synth.image([good_layer(directory)], platform="linux/s390x"),
    ]
    root = synth.write_oci(directory, images, tag="t")
    return ImageCase(f"oci:{root}:t", ("linux/amd64", "linux/arm64/v8", "linux/s390x", str(root)))


def _index_json_tail(tail: str, *needles: str) -> Callable[[Path], ImageCase]:
    """index.json with one more top-level field: deep nesting or a huge integer (issue 9 item 19:
    RecursionError / Python's 4,300-digit ValueError were "internal error", exit 3)."""

    def build(directory: Path) -> ImageCase:
        root, _ = layout(directory)
        index = root / "index.json"
        index.write_text(index.read_text().rstrip().removesuffix("}") + f', "x": {tail}}}')
        return ImageCase(f"oci:{root}:t", (*needles, str(index)))

    return build


def _member_case(entries: list[synth.Entry], *needles: str) -> Callable[[Path], ImageCase]:
    def build(directory: Path) -> ImageCase:
        root, img = layout(directory, [synth.tar(entries)])
        return ImageCase(f"oci:{root}:t", (*needles, "layer 0", img.layer_digests[0][:19]))

    return build


def gzip_bomb(directory: Path) -> ImageCase:
    """~300 KB of gzip expanding to 300 MB: the 200:1 ratio cap must stop it early."""
    bomb = synth.gzip_bomb(300 << 20)
    root = synth.write_oci(directory, image_with_raw_layer(bomb, synth.sha256(b"?")), tag="t")
    return ImageCase(f"oci:{root}:t", ("200:1", blob_path(root, synth.sha256(bomb))))


def docker_archive_missing_layer(directory: Path) -> ImageCase:
    img = synth.image(
        [good_layer(directory)],
        compression="none",
        faults=synth.Faults(missing_layer_blob=frozenset({0})),
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = synth.write_docker_archive(directory / "d.tar", img)
    return ImageCase(f"docker-archive:{path}", ("layer.tar", "missing", str(path)))


def docker_archive_escaping_layer(directory: Path) -> ImageCase:
    """manifest.json names a layer outside the archive: never read from the host."""
    img = synth.image([good_layer(directory)], compression="none", docker_media_types=True)
    manifest = [{"Config": "c.json", "RepoTags": ["x:1"], "Layers": ["../../etc/hostname"]}]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "d.tar"
    path.write_bytes(
        synth.tar(
            [
                synth.raw("manifest.json", json.dumps(manifest).encode()),
                synth.raw("c.json", img.config),
            ]
        )
    )
    return ImageCase(f"docker-archive:{path}", ("../../etc/hostname", str(path)))


def not_a_tar(directory: Path) -> ImageCase:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "junk.tar"
    path.write_bytes(b"this is not a tar archive\n" * 40)
    return ImageCase(f"docker-archive:{path}", ("not a readable tar archive", str(path)))


def oci_archive_index_not_json(directory: Path) -> ImageCase:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "o.tar"
    path.write_bytes(
        synth.tar(
            [
                synth.raw("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                synth.raw("index.json", b"{nope"),
            ]
        )
    )
    return ImageCase(f"oci-archive:{path}", ("index.json", "not valid JSON", str(path)))


BROKEN: dict[str, Callable[[Path], ImageCase]] = {
    "truncated-gzip": truncated("gzip"),
    "truncated-zstd": truncated("zstd"),
    "corrupt-gzip": corrupt_gzip,
    "blob-digest-mismatch": _layer_fault(
        "digest mismatch", synth.Faults(wrong_layer_digest=frozenset({0}))
    ),
    "blob-size-too-small": _layer_fault("larger than", synth.Faults(layer_size_delta={0: -1})),
    "blob-size-too-large": _layer_fault(
        "its descriptor declares", synth.Faults(layer_size_delta={0: 1})
    ),
    "diff-id-mismatch": _layer_fault("diff_id", synth.Faults(wrong_diff_id=frozenset({0}))),
    "diff-id-count-mismatch": diff_id_count,
    "manifest-missing-layer-blob": _layer_fault(
        "missing", synth.Faults(missing_layer_blob=frozenset({0}))
    ),
    "manifest-missing-config-blob": missing_config,
    "config-digest-mismatch": config_digest_mismatch,
    "manifest-tampered": manifest_tampered,
    "digest-escaping-layout": digest_escaping_layout,
    "unknown-layer-media-type": unknown_media_type,
    "index-without-platform": index_without_platform,
    "index-json-nested-5000-deep": _index_json_tail("[" * 5000 + "]" * 5000, "nested more than"),
    "index-json-5000-digit-integer": _index_json_tail("9" * 5000, "more than 20 digits"),
    "member-dotdot": _member_case([synth.raw("../evil", b"x")], "'../evil'", "escapes"),
    "member-dotdot-inside": _member_case(
        [synth.raw("etc/../../evil", b"x")], "'etc/../../evil'", "escapes"
    ),
    "member-absolute": _member_case(
        [synth.raw("/etc/passwd", b"root::0:0::/:/bin/sh\n")], "'/etc/passwd'", "absolute path"
    ),
    "symlink-escape": _member_case(
        [synth.symlink("/etc/x", "../../../../host"), synth.file("/etc/x/y", b"1")],
        "'etc/x/y'",
        "outside the root",
    ),
    "hardlink-escape": _member_case(
        [synth.raw("etc/hl", type=tarfile.LNKTYPE, linkname="../../etc/shadow")],
        "'etc/hl'",
        "outside the image root",
    ),
    "member-claims-100gb": _member_case(
        [synth.raw("big", b"", size=100 << 30)], "'big'", "claims more data"
    ),
    "gzip-bomb": gzip_bomb,
    "docker-archive-missing-layer": docker_archive_missing_layer,
    "docker-archive-escaping-layer": docker_archive_escaping_layer,
    "not-a-tar": not_a_tar,
    "oci-archive-index-not-json": oci_archive_index_not_json,
}

# Faults a blob-level copy must catch (it does not decompress layers, like skopeo copy).
BROKEN_BLOBS = (
    "blob-digest-mismatch",
    "blob-size-too-large",
    "manifest-missing-layer-blob",
    "unknown-layer-media-type",
)
