"""`caulk layers IMAGE`: what each layer added, modified and removed (docs/layers.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from caulk.cli.common import registry_options
from caulk.cli.main import cli
from caulk.cli.output import write_output
from caulk.errors import UsageError
from caulk.registry.options import RegistryOptions
from caulk.source.interface import Platform

__all__ = ["layers_command"]


def _size(text: str | None) -> int:
    from caulk.check.image.dive_ci import parse_bytes

    if text is None:
        return 0
    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise UsageError(f"--min-size: {exc}") from None


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover - loop always returns


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _table(doc: dict[str, object]) -> str:
    image = doc["image"]
    assert isinstance(image, dict)
    lines = []
    for layer in doc["layers"]:  # type: ignore[attr-defined]
        lines.append(
            f"layer {layer['index']}  {_human(layer['size_bytes'])}  "
            f"+{layer['added']} ~{layer['modified']} -{layer['removed']}  "
            f"wasted {_human(layer['wasted_bytes'])}  {layer['diff_id'][:19]}"
        )
        if layer["created_by"]:
            lines.append(f"  $ {' '.join(layer['created_by'].split())[:160]}")
        mark = {"added": "+", "modified": "~", "removed": "-"}
        for change in layer["changes"]:
            link = f" -> {change['link']}" if "link" in change else ""
            hidden = "  (hidden later)" if change.get("hidden") else ""
            mode = change.get("mode", "    ")
            lines.append(
                f"  {mark[change['change']]} {mode} {change['size']:>12}  "
                f"{change['path']}{link}{hidden}"
            )
    lines.append(
        f"image  {_human(image['size_bytes'])}  efficiency {image['efficiency']:.4f}  "
        f"wasted {_human(image['wasted_bytes'])}  "
        f"user wasted {_ratio(image['user_wasted_percent'])}"
        f"  hidden by deleted/opaque dirs {_human(image['hidden_bytes'])}"
    )
    return "\n".join(lines) + "\n"


@cli.command("layers")
@click.argument("image")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
    show_default=True, help="Table for people, JSON for programs (schema in docs/layers.md).",
)  # fmt: skip
@click.option("--path", "paths", multiple=True, metavar="GLOB", help="List only matching paths.")
@click.option(
    "--only", "kinds", multiple=True, type=click.Choice(["added", "modified", "removed"]),
    help="List only these changes (repeatable).",
)  # fmt: skip
@click.option("--min-size", metavar="SIZE", help="List only changes of at least SIZE (10MB, 1KiB).")
@click.option(
    "--layer", "layer_indexes", multiple=True, type=int, metavar="N", help="Layer N only."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option("--platform", metavar="OS/ARCH[/VARIANT]", help="Platform to pick from an index.")
@registry_options
def layers_command(
    image: str,
    fmt: str,
    paths: tuple[str, ...],
    kinds: tuple[str, ...],
    min_size: str | None,
    layer_indexes: tuple[int, ...],
    output: Path | None,
    platform: str | None,
    registry: RegistryOptions,
) -> None:
    """Show what each layer of IMAGE added (+), modified (~) and removed (-), with sizes, the
    bytes later layers hide (wasted), the command that made it, and dive's efficiency."""
    from caulk.fs.layers import LayerFilter, layer_report, report_json
    from caulk.fs.view import build_view
    from caulk.source import open_image

    keep = LayerFilter(paths, kinds, _size(min_size), layer_indexes)
    platform_ = Platform.parse(platform) if platform else None
    with open_image(image, platform=platform_, registry=registry) as img:
        count = len(img.layers)
        bad = [n for n in layer_indexes if not 0 <= n < count]
        if bad:
            raise UsageError(f"--layer {bad[0]}: the image has layers 0..{count - 1}")
        view = build_view(img)
        report = layer_report(view, img.config.history, keep)
    doc = report_json(report, image)
    if fmt == "json":
        data = json.dumps(doc, indent=2, allow_nan=False).encode() + b"\n"
    else:
        data = _table(doc).encode()
    write_output(data, output)
