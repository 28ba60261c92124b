"""`caulk defang IMAGE --output DEST`: write a de-fanged copy of an image (docs/defang.md)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.errors import UsageError
from caulk.harden.layer import LayerDigests
from caulk.registry.options import RegistryOptions
from caulk.source.interface import Platform
from caulk.terminal import printable

__all__ = ["defang_command"]


@cli.command("defang")
@click.argument("image")
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="DEST",
    help="oci:DIR[:tag], oci-archive:FILE[:tag], docker-archive:FILE[:name:tag] or a registry "
    "HOST/REPO:TAG (pushed; blobs first, tag last).",
)
@click.option("--remove-shells", is_flag=True, help="Whiteout sh, bash, dash, busybox… and links.")
@click.option("--remove-tools", is_flag=True, help="Whiteout nc, curl, wget, ssh, telnet…")
@click.option("--remove-package-managers", is_flag=True, help="Whiteout apt, dpkg, apk, rpm, pip…")
@click.option(
    "--remove",
    "remove_paths",
    multiple=True,
    metavar="PATH",
    help="Whiteout this absolute path (repeatable).",
)
@click.option(
    "--user",
    is_flag=False,
    flag_value="nonroot",
    default=None,
    metavar="NAME|UID[:GID]",
    help="Run as this non-root user, created if absent (alone: nonroot, 65532).",
)
@click.option("--squash", is_flag=True, help="Write one layer holding the final filesystem.")
@click.option(
    "--keep-only",
    "keep_only",
    multiple=True,
    metavar="PATH",
    help="Keep only PATH (repeatable; a directory with its subtree) and what it needs: symlink "
    "targets, ELF interpreter and libraries, the Entrypoint/Cmd programs, /etc basics. "
    "Implies --squash.",
)
@click.option(
    "--from-profile",
    "from_profile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Like --keep-only, with the paths of a recorded run: `strace -f -e trace=file` output "
    "or one absolute path a line.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write the image even when its Entrypoint/Cmd/Healthcheck needs a removed program.",
)
@click.option("--platform", metavar="OS/ARCH[/VARIANT]", help="Platform to pick from an index.")
@registry_options
@click.pass_context
def defang_command(
    ctx: click.Context,
    image: str,
    output: str,
    remove_shells: bool,
    remove_tools: bool,
    remove_package_managers: bool,
    remove_paths: tuple[str, ...],
    user: str | None,
    squash: bool,
    keep_only: tuple[str, ...],
    from_profile: Path | None,
    force: bool,
    platform: str | None,
    registry: RegistryOptions,
) -> None:
    """Write IMAGE with SETUID/SETGID bits cleared (one new top layer), optionally without
    shells, tools and package managers, running as a non-root user."""
    from caulk.fs.view import build_view
    from caulk.harden import (
        DEFANG_ANALYZERS,
        KEEP_ANALYZERS,
        DefangOptions,
        KeepSpec,
        UserSpec,
        created_from_epoch,
        defang,
        parse_profile,
        write_defanged,
    )
    from caulk.harden.write import output_path
    from caulk.source import open_image

    for path in remove_paths:
        if not path.startswith("/"):
            raise UsageError(f"--remove {path}: give an absolute path inside the image")
    for path in keep_only:
        if not path.startswith("/"):
            raise UsageError(f"--keep-only {path}: give an absolute path inside the image")
    if keep_only and from_profile is not None:
        raise UsageError("--keep-only and --from-profile: give one of them")
    keep = KeepSpec(keep_only) if keep_only else None
    if from_profile is not None:
        try:
            text = from_profile.read_text(encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise UsageError(f"cannot read: {exc.strerror}", where=str(from_profile)) from None
        keep = parse_profile(text, str(from_profile))
    output_path(output)  # fail on a bad destination before reading anything
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    options = DefangOptions(
        remove_shells=remove_shells,
        remove_tools=remove_tools,
        remove_package_managers=remove_package_managers,
        remove_paths=remove_paths,
        user=UserSpec.parse(user) if user is not None else None,
        squash=squash,
        keep=keep,
        force=force,
        created=created_from_epoch(epoch) if epoch else None,
    )
    layers: list[LayerDigests] = []
    platform_ = Platform.parse(platform) if platform else None
    with open_image(image, platform=platform_, registry=registry) as img:
        analyzers = (*DEFANG_ANALYZERS, *KEEP_ANALYZERS) if keep else DEFANG_ANALYZERS
        view = build_view(img, analyzers)
        plan = defang(img, view, options)
        written = write_defanged(
            img, plan, output, view=view, on_layer=layers.append, registry=registry
        )
        input_bytes = sum(layer.descriptor.size for layer in img.layers)
    if ctx.obj and ctx.obj.get("quiet"):
        click.echo(written.manifest_digest)
        return
    for item in plan.cleared:
        click.echo(
            f"cleared  {item.mode_before:04o} -> {item.mode_after:04o}  {printable(item.path)}"
        )
    for removal in plan.removed:
        also = f" (also {', '.join(removal.names)})" if removal.names else ""
        click.echo(printable(f"removed  {removal.reason:<16} {removal.path}{also}"))
    if plan.user is not None:
        created = f" (added user {plan.created_user})" if plan.created_user else ""
        click.echo(printable(f"user     {plan.user}{created}"))
    if plan.squash and layers and layers[0].tried:
        tried = ", ".join(f"{name} {size}" for name, size in layers[0].tried)
        click.echo(
            f"layer    {layers[0].codec}: {layers[0].size} bytes; input {input_bytes} bytes "
            f"compressed (tried {tried})"
        )
    click.echo(
        f"wrote {written.destination}: {len(plan.cleared)} setuid/setgid cleared, "
        f"{len(plan.removed)} removed{', squashed' if plan.squash else ''}; "
        f"manifest {written.manifest_digest}"
    )
