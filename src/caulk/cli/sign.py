"""`caulk keygen | sign | verify | attest | verify-attestation`: cosign-compatible key-based
signatures and attestations (see docs/signing.md)."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.errors import InputError, OperationalError, UsageError
from caulk.registry.options import RegistryOptions

if TYPE_CHECKING:  # the signing stack (httpx, cryptography) loads only when a command runs
    from cryptography.hazmat.primitives.asymmetric import ec

    from caulk.signing.interface import SignResult

__all__ = ["attest", "keygen", "sign", "verify", "verify_attestation"]

log = logging.getLogger(__name__)

PASSWORD_VARS = ("CAULK_PASSWORD", "COSIGN_PASSWORD")


def read_password(*, confirm: bool, what: str = "private key") -> bytes:
    """$CAULK_PASSWORD, else $COSIGN_PASSWORD, else a prompt without echo on a terminal, else the
    first line of stdin. Empty is allowed, as in cosign."""
    for name in PASSWORD_VARS:
        if name in os.environ:
            return os.environ[name].encode()
    if sys.stdin.isatty():
        text = click.prompt(
            f"Enter password for {what}",
            hide_input=True,
            default="",
            show_default=False,
            confirmation_prompt=f"Enter password for {what} again" if confirm else False,
            err=True,
        )
        return str(text).encode()
    return sys.stdin.buffer.readline().rstrip(b"\r\n")


def _read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no such {what} file", where=str(path)) from None
    except IsADirectoryError:
        raise InputError(f"{what} is a directory", where=str(path)) from None
    except OSError as exc:
        raise OperationalError(f"cannot read: {exc.strerror}", where=str(path)) from None


def _private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    from caulk.signing.keys import load_private_key

    return load_private_key(
        _read_file(path, "key"), lambda: read_password(confirm=False), where=str(path)
    )


def _public_key(path: Path) -> ec.EllipticCurvePublicKey:
    from caulk.signing.keys import load_public_key

    return load_public_key(_read_file(path, "key"), where=str(path))


def _annotations(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        parts = item.split("=")
        if len(parts) != 2 or not parts[0]:
            raise UsageError(f"invalid annotation {item!r} (expected key=value)")
        out[parts[0]] = parts[1]
    return out


def _report(result: SignResult, what: str) -> None:
    state = "added" if result.added else "already present"
    click.echo(
        f"{what} {state}: {result.digest} -> {result.artifact_tag} "
        f"({result.layer_count} in total, manifest {result.artifact_digest})",
        err=True,
    )


KEY_OPTION = click.option(
    "--key", "key", required=True, type=click.Path(path_type=Path), help="Key file."
)
IDENTITY_OPTION = click.option(
    "--identity",
    metavar="REGISTRY/REPO[:TAG]",
    help="The image's name in the claim (required to sign an OCI layout; default: the "
    "repository the image was read from).",
)
ANNOTATION_OPTION = click.option(
    "-a", "--annotation", "annotation", multiple=True, metavar="KEY=VALUE", help="Repeatable."
)


@cli.command()
@click.option("--output-key-prefix", default="cosign", show_default=True, help="Writes P.key/.pub.")
@click.option(
    "--import",
    "import_path",
    type=click.Path(path_type=Path),
    help="Re-encrypt this private key (cosign's, PKCS#8 or SEC 1 PEM) instead of generating one.",
)
@click.option("--force", is_flag=True, help="Overwrite existing key files.")
def keygen(output_key_prefix: str, import_path: Path | None, force: bool) -> None:
    """Create an ECDSA P-256 key pair in cosign's format (PREFIX.key encrypted, PREFIX.pub)."""
    from caulk.signing.keyfiles import write_key_pair
    from caulk.signing.keys import generate_key_pair, key_pair_from_private, load_private_key

    for path in (Path(f"{output_key_prefix}.key"), Path(f"{output_key_prefix}.pub")):
        if os.path.lexists(path) and not force:  # a dangling symlink counts: never followed
            raise UsageError("refusing to overwrite an existing key (use --force)", where=str(path))
    if import_path is not None:
        key = load_private_key(
            _read_file(import_path, "key"),
            lambda: read_password(confirm=False, what=str(import_path)),
            where=str(import_path),
        )
        pair = key_pair_from_private(key, read_password(confirm=True))
    else:
        pair = generate_key_pair(read_password(confirm=True))
    private_path, public_path = write_key_pair(pair, output_key_prefix, force=force)
    click.echo(f"Private key written to {private_path}", err=True)
    click.echo(f"Public key written to {public_path}", err=True)


@cli.command()
@click.argument("image")
@KEY_OPTION
@ANNOTATION_OPTION
@IDENTITY_OPTION
@registry_options
def sign(
    image: str,
    key: Path,
    annotation: tuple[str, ...],
    identity: str | None,
    registry: RegistryOptions,
) -> None:
    """Sign IMAGE (registry reference or oci:DIR:tag) and store the signature as cosign does."""
    from caulk.signing.sign import sign_image

    annotations = _annotations(annotation)
    result = sign_image(
        image, _private_key(key), annotations=annotations, identity=identity, registry=registry
    )
    _report(result, "signature")


@cli.command()
@click.argument("image")
@KEY_OPTION
@ANNOTATION_OPTION
@IDENTITY_OPTION
@registry_options
def verify(
    image: str,
    key: Path,
    annotation: tuple[str, ...],
    identity: str | None,
    registry: RegistryOptions,
) -> None:
    """Verify IMAGE's signatures with a public key; print the verified payloads (JSON)."""
    from caulk.signing.sign import verify_image

    public = _public_key(key)
    result = verify_image(
        image,
        public,
        identity=identity,
        annotations=_annotations(annotation),
        registry=registry,
    )
    click.echo(
        f"Verification for {image} ({result.digest}) --\n"
        "The following checks were performed on each of these signatures:\n"
        "  - The cosign claims were validated\n"
        "  - The signatures were verified against the specified public key",
        err=True,
    )
    for reason in result.rejected:
        log.info("%s", reason)
    click.echo(json.dumps([v.payload for v in result.verified], separators=(",", ":")))


@cli.command()
@click.argument("image")
@KEY_OPTION
@click.option("--type", "kind", required=True, help="sbom | scan | a predicateType URI.")
@click.option("--predicate", type=click.Path(path_type=Path), help="Predicate JSON file.")
@click.option("--statement", type=click.Choice(["v0.1", "v1"]), default="v0.1", show_default=True)
@click.option("--replace", is_flag=True, help="Drop existing attestations of this type.")
@IDENTITY_OPTION
@registry_options
def attest(
    image: str,
    key: Path,
    kind: str,
    predicate: Path | None,
    statement: str,
    replace: bool,
    identity: str | None,
    registry: RegistryOptions,
) -> None:
    """Attach a signed in-toto attestation (DSSE) to IMAGE, as cosign attest does."""
    from caulk.signing.attest import attest_image, predicate_type_uri
    from caulk.signing.predicate import load_predicate, predicate_from_scan, scan_options_for

    predicate_type = predicate_type_uri(kind)
    private = _private_key(key)
    if predicate:
        body = load_predicate(predicate)
    else:
        from caulk.fs.cache import LayerCache
        from caulk.scan import ScanOptions, scan_image

        options = scan_options_for(
            predicate_type, ScanOptions(cache=LayerCache.open_default(), registry=registry)
        )
        body = predicate_from_scan(predicate_type, scan_image(image, options))
    result = attest_image(
        image,
        private,
        predicate_type,
        body,
        identity=identity,
        statement_version=statement,
        replace=replace,
        registry=registry,
    )
    _report(result, "attestation")


@cli.command("verify-attestation")
@click.argument("image")
@KEY_OPTION
@click.option("--type", "kind", help="sbom | scan | a predicateType URI (default: any).")
@registry_options
def verify_attestation(image: str, key: Path, kind: str | None, registry: RegistryOptions) -> None:
    """Verify IMAGE's attestations; print each verified DSSE envelope (one JSON per line)."""
    from caulk.signing.attest import predicate_type_uri, verify_attestations

    public = _public_key(key)
    wanted = predicate_type_uri(kind) if kind else None
    result = verify_attestations(image, public, wanted, registry)
    click.echo(
        f"Verification for {image} ({result.digest}) --\n"
        "The following checks were performed on each of these attestations:\n"
        "  - The statement subject is the image digest\n"
        "  - The envelopes were verified against the specified public key",
        err=True,
    )
    for reason in result.rejected:
        log.info("%s", reason)
    for item in result.verified:
        click.echo(item.raw.decode())
