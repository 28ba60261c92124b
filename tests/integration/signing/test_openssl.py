"""openssl as an independent oracle: it verifies caulk's signatures over the exact payload bytes
(and DSSE PAE), and keys made by openssl sign through caulk and verify in both tools."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from caulk.signing.dsse import pae
from tests.conftest import CaulkRun
from tests.support import synth

pytestmark = [
    pytest.mark.integration,
    pytest.mark.tools("openssl"),
]

ENV = {"CAULK_PASSWORD": "correct horse"}
IDENTITY = "registry.example/team-a/app"


def _openssl_verify(
    pub: Path, signature: bytes, data: bytes, tmp: Path
) -> subprocess.CompletedProcess[str]:
    (tmp / "sig.der").write_bytes(signature)
    (tmp / "payload.bin").write_bytes(data)
    return subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(pub),
            "-signature",
            str(tmp / "sig.der"),
            str(tmp / "payload.bin"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def _layers(layout: Path, suffix: str) -> list[tuple[dict, bytes]]:  # type: ignore[type-arg]
    index = json.loads((layout / "index.json").read_bytes())
    (entry,) = [
        e
        for e in index["manifests"]
        if e["annotations"]["org.opencontainers.image.ref.name"].endswith(suffix)
    ]
    blobs = layout / "blobs" / "sha256"
    manifest = json.loads((blobs / entry["digest"].split(":")[1]).read_bytes())
    return [
        (layer, (blobs / layer["digest"].split(":")[1]).read_bytes())
        for layer in manifest["layers"]
    ]


def test_openssl_verifies_caulk_signatures_and_attestations(
    tmp_path: Path, run_caulk: Callable[..., CaulkRun]
) -> None:
    layout = synth.oci_layout(tmp_path / "img", [synth.tar([synth.file("/a", b"a")])])
    keygen = run_caulk("keygen", cwd=tmp_path, env=ENV)
    assert keygen.code == 0, keygen
    signed = run_caulk(
        "sign",
        f"oci:{layout}:latest",
        "--key",
        "cosign.key",
        "--identity",
        IDENTITY,
        cwd=tmp_path,
        env=ENV,
    )
    assert signed.code == 0, signed
    ((layer, payload),) = _layers(layout, ".sig")
    signature = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
    ok = _openssl_verify(tmp_path / "cosign.pub", signature, payload, tmp_path)
    assert ok.returncode == 0 and "Verified OK" in ok.stdout, ok
    bad = _openssl_verify(
        tmp_path / "cosign.pub", signature, payload.replace(b"team-a", b"team-b"), tmp_path
    )
    assert bad.returncode != 0 and "Verification failure" in bad.stdout + bad.stderr

    (tmp_path / "bom.json").write_text('{"bomFormat":"CycloneDX","specVersion":"1.5"}')
    attested = run_caulk(
        "attest",
        f"oci:{layout}:latest",
        "--key",
        "cosign.key",
        "--type",
        "sbom",
        "--predicate",
        "bom.json",
        cwd=tmp_path,
        env=ENV,
    )
    assert attested.code == 0, attested
    ((layer, envelope_bytes),) = _layers(layout, ".att")
    assert layer["mediaType"] == "application/vnd.dsse.envelope.v1+json"
    assert layer["annotations"] == {
        "dev.cosignproject.cosign/signature": "",
        "predicateType": "https://cyclonedx.org/bom",
    }
    envelope = json.loads(envelope_bytes)
    statement = base64.b64decode(envelope["payload"])
    sig = base64.b64decode(envelope["signatures"][0]["sig"])
    ok = _openssl_verify(
        tmp_path / "cosign.pub", sig, pae(envelope["payloadType"], statement), tmp_path
    )
    assert ok.returncode == 0, ok


def test_openssl_made_key_signs_through_caulk(
    tmp_path: Path, run_caulk: Callable[..., CaulkRun]
) -> None:
    """openssl generates a P-256 key (PKCS#8); caulk signs with it directly and after importing it
    into cosign's format; openssl's public key verifies in caulk and in openssl."""
    subprocess.run(
        [
            "openssl",
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "ossl.pem",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["openssl", "pkey", "-in", "ossl.pem", "-pubout", "-out", "ossl.pub"],
        cwd=tmp_path,
        check=True,
    )
    layout = synth.oci_layout(tmp_path / "img", [synth.tar([synth.file("/b", b"b")])])
    ref = f"oci:{layout}:latest"
    assert (
        run_caulk("sign", ref, "--key", "ossl.pem", "--identity", IDENTITY, cwd=tmp_path).code == 0
    )
    imported = run_caulk(
        "keygen", "--import", "ossl.pem", "--output-key-prefix", "imported", cwd=tmp_path, env=ENV
    )
    assert imported.code == 0, imported
    assert (
        (tmp_path / "imported.key")
        .read_bytes()
        .startswith(b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----")
    )
    assert (tmp_path / "imported.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "imported.pub").read_text() == (tmp_path / "ossl.pub").read_text()
    assert (
        run_caulk(
            "sign",
            ref,
            "--key",
            "imported.key",
            "-a",
            "via=import",
            "--identity",
            IDENTITY,
            cwd=tmp_path,
            env=ENV,
        ).code
        == 0
    )
    verified = run_caulk("verify", ref, "--key", "ossl.pub", cwd=tmp_path)
    assert verified.code == 0, verified
    payloads = verified.json()
    assert len(payloads) == 2 and {p["optional"] and p["optional"]["via"] for p in payloads} == {
        None,
        "import",
    }
    for layer, payload in _layers(layout, ".sig"):
        sig = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
        assert _openssl_verify(tmp_path / "ossl.pub", sig, payload, tmp_path).returncode == 0
