"""The CLI as a user runs it: exit codes (0 ok, 1 verification failed, 2 bad input), one-line
errors naming the file at fault, password from the environment or stdin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CaulkRun
from tests.support import synth

ENV = {"CAULK_PASSWORD": "pw"}
IDENTITY = "registry.example/team-a/app"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory, run_caulk: Callable[..., CaulkRun]) -> Path:
    home = tmp_path_factory.mktemp("keys")
    run = run_caulk("keygen", cwd=home, env=ENV)
    assert run.code == 0, run
    assert "Private key written to cosign.key" in run.stderr
    return home


def _layout(tmp_path: Path) -> str:
    return f"oci:{synth.oci_layout(tmp_path / 'img', [synth.tar([synth.file('/a', b'a')])])}:latest"


def test_sign_verify_exit_codes(
    tmp_path: Path, keys: Path, run_caulk: Callable[..., CaulkRun]
) -> None:
    ref = _layout(tmp_path)
    key, pub = keys / "cosign.key", keys / "cosign.pub"
    unsigned = run_caulk("verify", ref, "--key", pub)
    assert unsigned.code == 1 and "no signatures found" in unsigned.stderr
    signed = run_caulk("sign", ref, "--key", key, "--identity", IDENTITY, "-a", "team=a", env=ENV)
    assert signed.code == 0, signed
    assert "signature added" in signed.stderr
    ok = run_caulk("verify", ref, "--key", pub, "-a", "team=a")
    assert ok.code == 0, ok
    assert ok.json()[0]["optional"] == {"team": "a"}
    wrong = run_caulk("verify", ref, "--key", pub, "--identity", "registry.example/other")
    assert wrong.code == 1 and wrong.stderr.count("\n") == 1, wrong


def test_password_from_stdin_and_cosign_variable(
    tmp_path: Path, keys: Path, run_caulk: Callable[..., CaulkRun]
) -> None:
    ref = _layout(tmp_path)
    key = keys / "cosign.key"
    assert run_caulk("sign", ref, "--key", key, "--identity", IDENTITY, stdin="pw\n").code == 0
    assert (
        run_caulk(
            "sign", ref, "--key", key, "--identity", IDENTITY, env={"COSIGN_PASSWORD": "pw"}
        ).code
        == 0
    )
    bad = run_caulk("sign", ref, "--key", key, "--identity", IDENTITY, stdin="nope\n")
    assert bad.code == 2
    assert (
        bad.stderr.strip()
        == f"caulk: {key}: wrong password for the private key (or the key is corrupt)"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such key file"),
        (b"garbage", "not a PEM file"),
        (b"-----BEGIN PUBLIC KEY-----\nMFkw\n", "truncated PEM block"),
    ],
)
def test_bad_keys_are_bad_input(
    tmp_path: Path, run_caulk: Callable[..., CaulkRun], content: bytes | None, message: str
) -> None:
    ref = _layout(tmp_path)
    path = tmp_path / "k.pem"
    if content is not None:
        path.write_bytes(content)
    for command in ("sign", "verify"):
        run = run_caulk(command, ref, "--key", path, "--identity", IDENTITY, env=ENV)
        assert run.code == 2, run
        assert run.stderr.startswith(f"caulk: {path}: ") and message in run.stderr
        assert run.stderr.count("\n") == 1


def test_usage_errors(tmp_path: Path, keys: Path, run_caulk: Callable[..., CaulkRun]) -> None:
    ref = _layout(tmp_path)
    key = keys / "cosign.key"
    no_identity = run_caulk("sign", ref, "--key", key, env=ENV)
    assert no_identity.code == 2 and "--identity" in no_identity.stderr
    bad_annotation = run_caulk(
        "sign", ref, "--key", key, "-a", "novalue", "--identity", IDENTITY, env=ENV
    )
    assert bad_annotation.code == 2 and "key=value" in bad_annotation.stderr
    bad_type = run_caulk("attest", ref, "--key", key, "--type", "weird", env=ENV)
    assert bad_type.code == 2 and "unknown attestation type" in bad_type.stderr
    (tmp_path / "bad.json").write_text("{nope")
    bad_predicate = run_caulk(
        "attest", ref, "--key", key, "--type", "sbom", "--predicate", tmp_path / "bad.json", env=ENV
    )
    assert bad_predicate.code == 2 and "predicate is not valid JSON" in bad_predicate.stderr
    exists = run_caulk("keygen", cwd=keys, env=ENV)
    assert exists.code == 2 and "refusing to overwrite" in exists.stderr


def test_attest_scan_without_predicate_file(
    tmp_path: Path, keys: Path, run_caulk: Callable[..., CaulkRun]
) -> None:
    """No --predicate: caulk scans the image and attests its own JSON report."""
    ref = _layout(tmp_path)
    run = run_caulk("attest", ref, "--key", keys / "cosign.key", "--type", "scan", env=ENV)
    assert run.code == 0, run
    verified = run_caulk("verify-attestation", ref, "--key", keys / "cosign.pub", "--type", "scan")
    assert verified.code == 0, verified
    import base64
    import json

    statement = json.loads(base64.b64decode(json.loads(verified.stdout)["payload"]))
    assert statement["predicate"]["schemaVersion"] == "caulk.scan/v1"
    assert statement["predicateType"] == "https://github.com/caulk-dev/caulk/attestation/scan/v1"
    wrong_type = run_caulk(
        "verify-attestation", ref, "--key", keys / "cosign.pub", "--type", "sbom"
    )
    assert wrong_type.code == 1
