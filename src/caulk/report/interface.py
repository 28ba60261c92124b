"""The contract of `report/`: a renderer turns a `ScanResult` into bytes. One function per format,
looked up by name; renderers never compute findings themselves."""

from __future__ import annotations

from collections.abc import Callable

from caulk.model import ScanResult

__all__ = ["Renderer"]

Renderer = Callable[[ScanResult, bool], bytes]  # (result, color) -> bytes
