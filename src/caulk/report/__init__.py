"""Renderers: one function per format, `render(result, fmt, color)`. Each renderer's module is
imported only when its format is asked for (the CycloneDX one pulls in cyclonedx-python-lib)."""

from __future__ import annotations

import importlib

from caulk.errors import UsageError
from caulk.model import ScanResult
from caulk.report.interface import Renderer

__all__ = ["FORMATS", "render", "renderer"]

# format -> (module, function)
FORMATS: dict[str, tuple[str, str]] = {
    "table": ("caulk.report.table", "render_table"),
    "json": ("caulk.report.jsonout", "render_json"),
    "sarif": ("caulk.report.sarif", "render_sarif"),
    "cyclonedx-vex": ("caulk.report.cyclonedx_vex", "render_cyclonedx_vex"),
}


def renderer(fmt: str) -> Renderer:
    try:
        module, function = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown report format {fmt!r} (expected {', '.join(FORMATS)})") from None
    found: Renderer = getattr(importlib.import_module(module), function)
    return found


def render(result: ScanResult, fmt: str, *, color: bool = False) -> bytes:
    return renderer(fmt)(result, color)
