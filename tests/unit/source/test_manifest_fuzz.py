"""Fuzz (issue 9): `open_image` on an OCI layout whose index.json, nested image index, manifest
or image config is hostile: it opens, or raises a one-line caulk `Error`, never another exception.
Each fuzzed document is stored under its own digest, so it reaches the parser, not only the
digest check."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from caulk.source import open_image
from tests.support import synth
from tests.support.fuzz import FUZZ, HOSTILE_TOKENS, clean, json_documents, pending_on_safeload

IMG = synth.image([synth.tar([synth.file("/etc/os-release", b"ID=debian\n")])])
MANIFEST: dict[str, Any] = json.loads(IMG.manifest)
CONFIG: dict[str, Any] = json.loads(IMG.config)
INNER: dict[str, Any] = {
    "schemaVersion": 2,
    "mediaType": synth.MT_INDEX,
    "manifests": [IMG.manifest_descriptor],
}


def _blob(root: Path, data: bytes, media_type: str) -> dict[str, Any]:
    digest = synth.sha256(data)
    path = root / "blobs" / "sha256" / digest.split(":")[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def _open(target: str, doc: bytes) -> None:
    """Write a layout whose `target` document is `doc`, the rest real; open and read it."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
        for digest, data in IMG.blobs.items():
            if digest != IMG.config_digest or target != "config":
                _blob(root, data, "application/octet-stream")
        if target == "config":
            config = _blob(root, doc, MANIFEST["config"]["mediaType"])
            manifest = json.dumps({**MANIFEST, "config": config}).encode()
            top = _blob(root, manifest, synth.MT_MANIFEST)
        elif target == "manifest":
            top = _blob(root, doc, synth.MT_MANIFEST)
        elif target == "index":
            top = _blob(root, doc, synth.MT_INDEX)
        else:
            top = _blob(root, json.dumps(INNER).encode(), synth.MT_INDEX)
        index = {"schemaVersion": 2, "mediaType": synth.MT_INDEX, "manifests": [top]}
        (root / "index.json").write_bytes(doc if target == "top" else json.dumps(index).encode())

        def read() -> None:
            with open_image(f"oci:{root}") as image:
                assert image.layers is not None and image.config is not None

        clean(read)


SEEDS = {"top": [{"schemaVersion": 2, "manifests": [IMG.manifest_descriptor]}, INNER],
         "index": [INNER], "manifest": [MANIFEST], "config": [CONFIG]}  # fmt: skip


@pending_on_safeload("item 19")
@FUZZ
@given(
    st.sampled_from(sorted(SEEDS)).flatmap(
        lambda t: st.tuples(st.just(t), json_documents(SEEDS[t]))
    )
)
@example(("manifest", b'{"schemaVersion": 2, "layers": ' + HOSTILE_TOKENS[0].encode() + b"}"))
@example(("config", b'{"architecture": "amd64", "os": "linux", "created": ' + b"9" * 5000 + b"}"))
@example(("config", json.dumps({**CONFIG, "config": {"Labels": ["not", "an", "object"]}}).encode()))
@example(
    (
        "index",
        json.dumps(
            {**INNER, "manifests": [{**IMG.manifest_descriptor, "annotations": 7}]}
        ).encode(),
    )
)
@example(("manifest", json.dumps({**MANIFEST, "annotations": ["x"]}).encode()))
def test_hostile_layout_documents_fail_cleanly(case: tuple[str, bytes]) -> None:
    _open(*case)
