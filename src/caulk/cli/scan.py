"""`caulk scan`."""

from __future__ import annotations

from caulk.cli.main import cli

__all__ = ["cli"]
