"""Byte-exact formats: the simple-signing payload, the artifact config/manifest, DSSE PAE and
envelopes, Go's JSON escaping."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from caulk.signing.attach import LayerEntry, artifact_config, artifact_manifest, read_layers
from caulk.signing.dsse import make_envelope, make_statement, pae, parse_envelope
from caulk.signing.gojson import go_marshal, sorted_map
from caulk.signing.payload import make_payload, parse_payload

DIGEST = "sha256:" + "ab" * 32


def test_payload_bytes_without_annotations() -> None:
    assert make_payload("127.0.0.1:5000/team-a/app", DIGEST, {}) == (
        b'{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/team-a/app"},'
        b'"image":{"docker-manifest-digest":"' + DIGEST.encode() + b'"},'
        b'"type":"cosign container image signature"},"optional":null}'
    )


def test_payload_annotations_sorted_and_escaped_like_go() -> None:
    payload = make_payload("r.io/a", DIGEST, {"z": "1", "a": "<b>&é"})
    assert payload.endswith(b'"optional":{"a":"\\u003cb\\u003e\\u0026\xc3\xa9","z":"1"}}')
    claim = parse_payload(payload)
    assert claim.optional == {"a": "<b>&é", "z": "1"}
    assert (claim.docker_reference, claim.manifest_digest) == ("r.io/a", DIGEST)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "not JSON"),
        (b"[]", "no critical"),
        (b'{"critical":{"type":"atomic container signature"}}', "payload type"),
        (b'{"critical":{"type":"cosign container image signature"}}', "lacks docker-reference"),
    ],
)
def test_payload_parse_errors(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_payload(data)


def test_go_marshal_escapes_and_sorted_map() -> None:
    assert go_marshal({"k": "\u2028<"}) == b'{"k":"\\u2028\\u003c"}'
    assert list(sorted_map({"b": 1, "a": {"d": 1, "c": 2}})) == ["a", "b"]
    assert list(sorted_map({"a": {"d": 1, "c": 2}})["a"]) == ["c", "d"]
    with pytest.raises(ValueError):
        go_marshal({"x": float("nan")})


def test_artifact_config_is_go_containerregistrys() -> None:
    # What cosign writes for one signature (go-containerregistry empty.Image + one layer).
    assert artifact_config([DIGEST]) == (
        b'{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":'
        b'"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["'
        + DIGEST.encode()
        + b'"]},"config":{}}'
    )


def test_artifact_manifest_field_order_and_round_trip() -> None:
    config = artifact_config([DIGEST])
    layer = LayerEntry(
        "application/vnd.dev.cosign.simplesigning.v1+json",
        10,
        DIGEST,
        (("predicateType", "p"), ("dev.cosignproject.cosign/signature", "c2ln")),
    )
    manifest = artifact_manifest(config, [layer])
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    assert manifest.startswith(
        b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
        b'"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":'
        + str(len(config)).encode()
        + b',"digest":"'
        + config_digest.encode()
        + b'"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json",'
        b'"size":10,"digest":"' + DIGEST.encode() + b'","annotations":'
        b'{"dev.cosignproject.cosign/signature":"c2ln","predicateType":"p"}}]}'
    )
    (again,) = read_layers(manifest, where="m")
    assert again.annotation("predicateType") == "p"
    assert again.digest == DIGEST and again.size == 10


@pytest.mark.parametrize(
    "manifest", [b"nope", b"{}", b'{"layers":{}}', b'{"layers":[1]}', b'{"layers":[{"size":-1}]}']
)
def test_read_layers_rejects_malformed_manifests(manifest: bytes) -> None:
    from caulk.errors import ImageFormatError

    with pytest.raises(ImageFormatError):
        read_layers(manifest, where="m")


def test_pae_known_answer_from_the_dsse_spec() -> None:
    assert (
        pae("http://example.com/HelloWorld", b"hello world")
        == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_statement_and_envelope() -> None:
    statement = make_statement("r.io/a", DIGEST, "https://cyclonedx.org/bom", {"b": 1, "a": 2})
    doc = json.loads(statement)
    assert list(doc) == ["_type", "predicateType", "subject", "predicate"]
    assert doc["_type"] == "https://in-toto.io/Statement/v0.1"
    assert doc["subject"] == [{"name": "r.io/a", "digest": {"sha256": "ab" * 32}}]
    v1 = json.loads(make_statement("n", DIGEST, "t", {}, version="v1"))
    assert v1["_type"] == "https://in-toto.io/Statement/v1"
    envelope = make_envelope(statement, b"sig")
    assert envelope.startswith(b'{"payloadType":"application/vnd.in-toto+json","payload":"')
    assert envelope.endswith(b'"signatures":[{"keyid":"","sig":"c2ln"}]}')
    parsed = parse_envelope(envelope)
    assert parsed.payload == statement and parsed.signatures == (b"sig",)


def test_envelope_accepts_url_safe_base64_and_rejects_junk() -> None:
    raw = b"\xfb\xff"
    doc = {
        "payloadType": "x",
        "payload": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "signatures": [{"sig": "c2ln"}],
    }
    assert parse_envelope(json.dumps(doc).encode()).payload == raw
    for bad in ({}, {"payloadType": "x"}, {"payloadType": "x", "signatures": []}):
        with pytest.raises(ValueError):
            parse_envelope(json.dumps(bad).encode())
