"""Where the advisory database and downloaded feeds live.

`CAULK_DB` overrides the database path, `CAULK_CACHE_DIR` the cache directory (default: the user
cache dir, `~/.cache/caulk` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["cache_dir", "default_db_path", "feeds_dir"]


def cache_dir() -> Path:
    override = os.environ.get("CAULK_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("caulk"))


def default_db_path() -> Path:
    override = os.environ.get("CAULK_DB")
    return Path(override) if override else cache_dir() / "vulndb.sqlite"


def feeds_dir() -> Path:
    return cache_dir() / "feeds"
