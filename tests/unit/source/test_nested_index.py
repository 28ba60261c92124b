"""Nested image indexes (issue 9 item 6): five levels each listing the next one N times used to
be read N**4 times (N=20: 69 s; from a registry ~170k GETs). Each index is now read once by
digest, and the descriptors looked at are capped."""

from __future__ import annotations

import http.server
import json
from pathlib import Path
from typing import Any

import pytest

from caulk.errors import ImageFormatError
from caulk.registry.options import RegistryOptions
from caulk.source import open_image
from caulk.source.interface import Platform
from caulk.source.resolve import MAX_DESCRIPTORS
from tests.support import synth
from tests.support.http_server import reply, serve

N = 8  # 8**4 = 4096 reads before the fix: a regression fails on the count, in seconds


def _nested(levels: int, n: int) -> tuple[synth.SynthImage, dict[str, bytes], dict[str, Any]]:
    """An arm64-only image under `levels` indexes, each listing the one below `n` times.
    Returns the image, the index blobs by digest and the top descriptor."""
    img = synth.image([synth.tar([synth.file("etc/hostname", b"x\n")])], platform="linux/arm64")
    blobs: dict[str, bytes] = {}
    entry = img.manifest_descriptor
    for _ in range(levels):
        body = json.dumps(
            {"schemaVersion": 2, "mediaType": synth.MT_INDEX, "manifests": [entry] * n}
        ).encode()
        blobs[synth.sha256(body)] = body
        entry = {"mediaType": synth.MT_INDEX, "digest": synth.sha256(body), "size": len(body)}
    return img, blobs, entry


def _layout(root: Path, levels: int, n: int) -> Path:
    img, blobs, top = _nested(levels, n)
    synth.write_oci(root, img)
    for digest, body in blobs.items():
        synth._write_blob(root, digest, body)
    top = {**top, "annotations": {"org.opencontainers.image.ref.name": "latest"}}
    index = {"schemaVersion": 2, "mediaType": synth.MT_INDEX, "manifests": [top]}
    (root / "index.json").write_text(json.dumps(index))
    return root


def _count_index_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import caulk.source.resolve as resolve

    reads: list[str] = []
    real = resolve.read_blob

    def counting(store: Any, desc: Any, locate: Any, *, what: str) -> bytes:
        if what == "index":
            reads.append(desc.digest)
        return real(store, desc, locate, what=what)

    monkeypatch.setattr(resolve, "read_blob", counting)
    return reads


def test_each_nested_index_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _layout(tmp_path / "layout", levels=5, n=N)
    reads = _count_index_reads(monkeypatch)
    with pytest.raises(ImageFormatError, match=r"platform linux/amd64 not in the image index"):
        open_image(f"oci:{root}")
    assert len(reads) == 5 == len(set(reads))


def test_the_platform_is_still_found_below_repeated_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _layout(tmp_path / "layout", levels=5, n=N)
    reads = _count_index_reads(monkeypatch)
    with open_image(f"oci:{root}", platform=Platform("linux", "arm64", None)) as image:
        assert str(image.platform) == "linux/arm64"
    assert len(reads) == 5


def test_too_many_descriptors_are_refused(tmp_path: Path) -> None:
    root = _layout(tmp_path / "layout", levels=2, n=MAX_DESCRIPTORS)
    with pytest.raises(ImageFormatError, match=f"more than {MAX_DESCRIPTORS} descriptors"):
        open_image(f"oci:{root}")


def test_a_registry_serves_each_nested_index_once() -> None:
    img, blobs, top = _nested(5, N)
    documents = {**blobs, img.manifest_digest: img.manifest}

    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        name = h.path.rsplit("/", 1)[-1]
        if h.path.startswith("/v2/a/b/manifests/"):
            body = documents[top["digest"] if name == "1" else name]
            media = json.loads(body).get("mediaType", synth.MT_MANIFEST)
            reply(h, 200, body, Content_Type=media)
        else:
            reply(h, 200, b"{}")

    with serve(handle) as (host, seen):
        with pytest.raises(ImageFormatError, match="not in the image index"):
            open_image(
                f"registry:{host}/a/b:1", registry=RegistryOptions(insecure=frozenset({host}))
            )
    manifest_gets = [s for s in seen if "/manifests/" in s["path"]]
    assert len(manifest_gets) == 1 + 5  # the tag, then each index once by digest
