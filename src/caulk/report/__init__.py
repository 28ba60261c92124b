"""Renderers: one function per format, `render(result, fmt, color)`."""

from __future__ import annotations

from caulk.errors import UsageError
from caulk.model import ScanResult
from caulk.report.cyclonedx_vex import render_cyclonedx_vex
from caulk.report.interface import Renderer
from caulk.report.jsonout import render_json
from caulk.report.sarif import render_sarif
from caulk.report.table import render_table

__all__ = ["FORMATS", "render"]

FORMATS: dict[str, Renderer] = {
    "table": render_table,
    "json": render_json,
    "sarif": render_sarif,
    "cyclonedx-vex": render_cyclonedx_vex,
}


def render(result: ScanResult, fmt: str, *, color: bool = False) -> bytes:
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown report format {fmt!r} (expected {', '.join(FORMATS)})") from None
    return renderer(result, color)
