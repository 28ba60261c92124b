"""`caulk copy SRC DEST`: copy an image between registries, OCI layouts and archives, verifying
every blob on the way (like `skopeo copy`, one platform)."""

from __future__ import annotations

import click

from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.registry.options import RegistryOptions
from caulk.sink import draft_from_image, write_image
from caulk.source import open_image
from caulk.source.interface import Platform

__all__ = ["copy"]


@cli.command()
@click.argument("source")
@click.argument("destination")
@click.option("--platform", help="os/arch[/variant] to pick from an index (default linux/amd64).")
@registry_options
def copy(source: str, destination: str, platform: str | None, registry: RegistryOptions) -> None:
    """Copy SOURCE to DESTINATION. Both may be oci:DIR[:tag], oci-archive:FILE[:tag],
    docker-archive:FILE[:name:tag] or a registry reference (HOST/REPO:TAG, registry:…);
    SOURCE may also be dir:ROOTFS."""
    platform_ = Platform.parse(platform) if platform else None
    with open_image(source, platform=platform_, registry=registry) as image:
        written = write_image(draft_from_image(image), destination, registry=registry)
    click.echo(f"{written.destination} {written.manifest_digest}")
