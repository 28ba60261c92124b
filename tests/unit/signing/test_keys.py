"""cosign's key formats: real cosign-written keys, round trips, and every kind of bad key file."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from caulk.errors import EXIT_BAD_INPUT, InputError
from caulk.signing.keys import (
    COSIGN_PEM,
    SIGSTORE_PEM,
    decrypt_der,
    encrypt_der,
    generate_key_pair,
    key_pair_from_private,
    load_private_key,
    load_public_key,
)
from caulk.signing.pem import decode_pem, encode_pem
from tests.unit.signing.vectors import COSIGN_EC_KEY, PASSWORD, SIGSTORE_KEY


def _pw(value: bytes):  # type: ignore[no-untyped-def]
    return lambda: value


def _body(pem: bytes) -> dict:  # type: ignore[type-arg]
    return json.loads(decode_pem(pem, where="k").body)


@pytest.mark.parametrize(
    "vector", [SIGSTORE_KEY, COSIGN_EC_KEY], ids=["sigstore-N15", "cosign-N16"]
)
def test_cosign_written_keys_decrypt(vector: bytes) -> None:
    key = load_private_key(vector, _pw(PASSWORD), where="cosign.key")
    assert isinstance(key.curve, ec.SECP256R1)
    signature = key.sign(b"x", ec.ECDSA(hashes.SHA256()))
    key.public_key().verify(signature, b"x", ec.ECDSA(hashes.SHA256()))


def test_cosign_key_wrong_password_is_bad_input() -> None:
    with pytest.raises(InputError, match="wrong password") as info:
        load_private_key(SIGSTORE_KEY, _pw(b"hullo"), where="cosign.key")
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert str(info.value).startswith("cosign.key: ")


def test_generated_pair_matches_securesystemslib_layout() -> None:
    pair = generate_key_pair(b"s3cret")
    assert pair.private_pem.startswith(f"-----BEGIN {SIGSTORE_PEM}-----\n".encode())
    assert all(len(line) <= 64 for line in pair.private_pem.splitlines())
    doc = _body(pair.private_pem)
    assert list(doc) == ["kdf", "cipher", "ciphertext"]
    assert doc["kdf"]["name"] == "scrypt"
    assert doc["kdf"]["params"] == {"N": 32768, "r": 8, "p": 1}
    assert len(base64.b64decode(doc["kdf"]["salt"])) == 32
    assert doc["cipher"]["name"] == "nacl/secretbox"
    assert len(base64.b64decode(doc["cipher"]["nonce"])) == 24
    der = decrypt_der(decode_pem(pair.private_pem, where="k").body, b"s3cret", where="k")
    private = serialization.load_der_private_key(der, password=None)  # PKCS#8 inside
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert pair.public_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    public = load_public_key(pair.public_pem, where="cosign.pub")
    assert public.public_numbers() == private.public_key().public_numbers()


def test_empty_password_is_allowed() -> None:
    pair = generate_key_pair(b"")
    assert isinstance(
        load_private_key(pair.private_pem, _pw(b""), where="k"), ec.EllipticCurvePrivateKey
    )
    with pytest.raises(InputError, match="wrong password"):
        load_private_key(pair.private_pem, _pw(b"x"), where="k")


def test_import_keeps_the_key_and_cosign_label() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pair = key_pair_from_private(key, b"pw", pem_type=COSIGN_PEM, scrypt_n=1 << 16)
    assert pair.private_pem.startswith(f"-----BEGIN {COSIGN_PEM}-----".encode())
    assert _body(pair.private_pem)["kdf"]["params"]["N"] == 65536
    again = load_private_key(pair.private_pem, _pw(b"pw"), where="k")
    assert again.private_numbers() == key.private_numbers()


def _plain(key: ec.EllipticCurvePrivateKey, fmt: serialization.PrivateFormat) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


@pytest.mark.parametrize(
    "fmt", [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL]
)
def test_plain_private_keys_load_without_asking_a_password(
    fmt: serialization.PrivateFormat,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())

    def no_password() -> bytes:
        raise AssertionError("asked for a password")

    loaded = load_private_key(_plain(key, fmt), no_password, where="k")
    assert loaded.private_numbers() == key.private_numbers()


def test_pkcs8_encrypted_private_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    assert load_private_key(pem, _pw(b"pw"), where="k").private_numbers() == key.private_numbers()
    with pytest.raises(InputError, match="wrong password"):
        load_private_key(pem, _pw(b"no"), where="k")


def _with_doc(pem: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    block = decode_pem(pem, where="k")
    doc = json.loads(block.body)
    edit(doc)
    return encode_pem(block.type, json.dumps(doc).encode())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["kdf"]["params"].update(N=1 << 20), "unsupported scrypt parameters"),
        (lambda d: d["kdf"].update(name="pbkdf2"), "unknown kdf"),
        (lambda d: d["cipher"].update(name="aes-gcm"), "unknown cipher"),
        (lambda d: d["cipher"].update(nonce="AAAA"), "nonce is not 24 bytes"),
        (lambda d: d.pop("ciphertext"), "no ciphertext"),
        (lambda d: d.update(ciphertext="%%%"), "not base64"),
        (
            lambda d: d.update(ciphertext=base64.b64encode(b"\0" * 80).decode()),
            "wrong password",
        ),
    ],
)
def test_tampered_encrypted_keys(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    bad = _with_doc(SIGSTORE_KEY, edit)
    with pytest.raises(InputError, match=message):
        load_private_key(bad, _pw(PASSWORD), where="cosign.key")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a PEM file"),
        (b"hello", "not a PEM file"),
        (SIGSTORE_KEY[:200], "truncated PEM block"),
        (SIGSTORE_KEY.replace(b"eyJr", b"e*Jr"), "not valid base64"),
        (
            b"-----BEGIN PGP PRIVATE KEY BLOCK-----\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----\n",
            "unsupported PEM block",
        ),
        (encode_pem("ENCRYPTED SIGSTORE PRIVATE KEY", b"not json"), "not JSON"),
        (encode_pem("PRIVATE KEY", b"\x30\x03\x02\x01\x00"), "cannot parse the private key"),
    ],
)
def test_malformed_private_key_files(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        load_private_key(data, _pw(PASSWORD), where="cosign.key")
    assert info.value.where == "cosign.key"
    assert "\n" not in str(info.value)


def test_other_key_types_are_refused() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(InputError, match="need ECDSA P-256"):
        load_private_key(_plain(rsa_key, serialization.PrivateFormat.PKCS8), _pw(b""), where="k")  # type: ignore[arg-type]
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(InputError, match="secp384r1, need P-256"):
        load_private_key(_plain(p384, serialization.PrivateFormat.PKCS8), _pw(b""), where="k")


def test_public_key_errors() -> None:
    with pytest.raises(InputError, match="this is a private key"):
        load_public_key(SIGSTORE_KEY, where="cosign.key")
    with pytest.raises(InputError, match="cannot parse the public key"):
        load_public_key(encode_pem("PUBLIC KEY", b"\x30\x00"), where="cosign.pub")
    pair = generate_key_pair(b"")
    with pytest.raises(InputError, match="truncated"):
        load_public_key(pair.public_pem[:-20], where="cosign.pub")


def test_encrypt_refuses_unknown_strength() -> None:
    with pytest.raises(ValueError, match="scrypt N"):
        encrypt_der(b"x", b"", scrypt_n=1024)
