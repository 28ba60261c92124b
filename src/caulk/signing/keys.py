"""Keys in cosign's formats.

Private key (`cosign.key`): a PEM block `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign:
`ENCRYPTED COSIGN PRIVATE KEY`) whose body is go-securesystemslib's `encrypted` JSON:
`{"kdf":{"name":"scrypt","params":{"N":…,"r":8,"p":1},"salt":B64},"cipher":{"name":
"nacl/secretbox","nonce":B64},"ciphertext":B64}` — scrypt derives a 32-byte key from the password,
NaCl secretbox (XSalsa20-Poly1305) seals the PKCS#8 DER of an ECDSA P-256 key.
Public key (`cosign.pub`): PEM `PUBLIC KEY` (PKIX).

New keys use N = 2^15 (securesystemslib's "legacy" level): every cosign release and the
containers/image library in Debian's skopeo 1.9.3 read it; newer readers also accept 2^16 and
2^17, which caulk reads too. Any other parameters are refused (a tampered file must not make us
burn memory).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.secret
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from caulk.errors import InputError
from caulk.signing.gojson import go_marshal
from caulk.signing.pem import decode_pem, encode_pem

__all__ = [
    "COSIGN_PEM",
    "SCRYPT_N_LEGACY",
    "SIGSTORE_PEM",
    "KeyPair",
    "decrypt_der",
    "encrypt_der",
    "generate_key_pair",
    "key_pair_from_private",
    "load_private_key",
    "load_public_key",
    "public_pem",
]

SIGSTORE_PEM = "ENCRYPTED SIGSTORE PRIVATE KEY"
COSIGN_PEM = "ENCRYPTED COSIGN PRIVATE KEY"
SCRYPT_N_LEGACY = 1 << 15
_SCRYPT_ACCEPTED = {(1 << 15, 8, 1), (1 << 16, 8, 1), (1 << 17, 8, 1)}
_SALT_SIZE = 32

Password = Callable[[], bytes]


@dataclass(frozen=True, slots=True)
class KeyPair:
    private_pem: bytes  # encrypted, cosign's format
    public_pem: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def encrypt_der(der: bytes, password: bytes, *, scrypt_n: int = SCRYPT_N_LEGACY) -> bytes:
    """securesystemslib `encrypted.Encrypt`: the JSON document sealing `der`."""
    if (scrypt_n, 8, 1) not in _SCRYPT_ACCEPTED:
        raise ValueError(f"unsupported scrypt N {scrypt_n}")
    salt = secrets.token_bytes(_SALT_SIZE)
    nonce = secrets.token_bytes(nacl.secret.SecretBox.NONCE_SIZE)
    key = _scrypt(password, salt, scrypt_n, 8, 1)
    sealed = nacl.secret.SecretBox(key).encrypt(der, nonce).ciphertext
    doc = {
        "kdf": {"name": "scrypt", "params": {"N": scrypt_n, "r": 8, "p": 1}, "salt": _b64(salt)},
        "cipher": {"name": "nacl/secretbox", "nonce": _b64(nonce)},
        "ciphertext": _b64(sealed),
    }
    return go_marshal(doc)


def _scrypt(password: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)


def _field(doc: Any, *path: str, where: str) -> Any:
    value = doc
    for name in path:
        if not isinstance(value, dict) or name not in value:
            raise InputError(f"encrypted key has no {'.'.join(path)}", where=where)
        value = value[name]
    return value


def _bytes_field(doc: Any, *path: str, where: str) -> bytes:
    value = _field(doc, *path, where=where)
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"encrypted key: {'.'.join(path)} is not base64", where=where) from None


def decrypt_der(document: bytes, password: bytes, *, where: str) -> bytes:
    """securesystemslib `encrypted.Decrypt`: the sealed bytes, or InputError (wrong password,
    unknown algorithms, parameters outside the accepted set, malformed JSON)."""
    try:
        doc = json.loads(document)
    except ValueError:
        raise InputError("encrypted key is not JSON", where=where) from None
    kdf_name = _field(doc, "kdf", "name", where=where)
    cipher_name = _field(doc, "cipher", "name", where=where)
    if kdf_name != "scrypt":
        raise InputError(f"encrypted key: unknown kdf {kdf_name!r}", where=where)
    if cipher_name != "nacl/secretbox":
        raise InputError(f"encrypted key: unknown cipher {cipher_name!r}", where=where)
    params = tuple(_field(doc, "kdf", "params", k, where=where) for k in ("N", "r", "p"))
    if params not in _SCRYPT_ACCEPTED:
        raise InputError(f"encrypted key: unsupported scrypt parameters {params}", where=where)
    salt = _bytes_field(doc, "kdf", "salt", where=where)
    nonce = _bytes_field(doc, "cipher", "nonce", where=where)
    sealed = _bytes_field(doc, "ciphertext", where=where)
    if len(nonce) != nacl.secret.SecretBox.NONCE_SIZE:
        raise InputError("encrypted key: nonce is not 24 bytes", where=where)
    n, r, p = (int(v) for v in params)
    key = _scrypt(password, salt, n, r, p)
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(sealed, nonce))
    except nacl.exceptions.CryptoError:
        raise InputError(
            "wrong password for the private key (or the key is corrupt)", where=where
        ) from None


def _check_ec(key: object, *, where: str) -> None:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if isinstance(key.curve, ec.SECP256R1):
            return
        raise InputError(f"unsupported key: ECDSA {key.curve.name}, need P-256", where=where)
    raise InputError(f"unsupported key type {type(key).__name__}: need ECDSA P-256", where=where)


def load_private_key(data: bytes, password: Password, *, where: str) -> ec.EllipticCurvePrivateKey:
    """A signing key from cosign's encrypted PEM, a PKCS#8 `PRIVATE KEY`, an `EC PRIVATE KEY`
    (SEC 1) or an `ENCRYPTED PRIVATE KEY` (PKCS#8 with a password). `password` is called only when
    the key is encrypted."""
    block = decode_pem(data, where=where)
    key: object
    try:
        if block.type in (SIGSTORE_PEM, COSIGN_PEM):
            der = decrypt_der(block.body, password(), where=where)
            key = serialization.load_der_private_key(der, password=None)
        elif block.type in ("PRIVATE KEY", "EC PRIVATE KEY"):
            key = serialization.load_der_private_key(block.body, password=None)
        elif block.type == "ENCRYPTED PRIVATE KEY":
            key = serialization.load_der_private_key(block.body, password=password() or None)
        else:
            raise InputError(f"unsupported PEM block {block.type!r} for a private key", where=where)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        reason = "wrong password or " if block.type == "ENCRYPTED PRIVATE KEY" else ""
        raise InputError(
            f"cannot parse the private key ({reason}malformed DER: {str(exc)[:80]})", where=where
        ) from None
    _check_ec(key, where=where)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def load_public_key(data: bytes, *, where: str) -> ec.EllipticCurvePublicKey:
    """A verification key from a `PUBLIC KEY` PEM (or the key of a `CERTIFICATE`)."""
    block = decode_pem(data, where=where)
    key: object
    try:
        if block.type == "PUBLIC KEY":
            key = serialization.load_der_public_key(block.body)
        elif block.type == "CERTIFICATE":
            from cryptography import x509

            key = x509.load_der_x509_certificate(block.body).public_key()
        elif block.type in (SIGSTORE_PEM, COSIGN_PEM, "PRIVATE KEY", "EC PRIVATE KEY"):
            raise InputError("this is a private key: pass the public key (cosign.pub)", where=where)
        else:
            raise InputError(f"unsupported PEM block {block.type!r} for a public key", where=where)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InputError(f"cannot parse the public key: {str(exc)[:80]}", where=where) from None
    _check_ec(key, where=where)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def public_pem(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return encode_pem("PUBLIC KEY", der)


def key_pair_from_private(
    key: ec.EllipticCurvePrivateKey,
    password: bytes,
    *,
    pem_type: str = SIGSTORE_PEM,
    scrypt_n: int = SCRYPT_N_LEGACY,
) -> KeyPair:
    """cosign's `marshalKeyPair`: the key as encrypted PKCS#8 plus its public PEM."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    sealed = encrypt_der(der, password, scrypt_n=scrypt_n)
    return KeyPair(encode_pem(pem_type, sealed), public_pem(key))


def generate_key_pair(password: bytes, *, scrypt_n: int = SCRYPT_N_LEGACY) -> KeyPair:
    """cosign `generate-key-pair`: a fresh ECDSA P-256 key."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key_pair_from_private(key, password, scrypt_n=scrypt_n)
