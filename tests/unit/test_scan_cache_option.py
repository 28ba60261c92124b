"""`ScanOptions.cache` is one explicit type: a `LayerCache` or None. The library never opens the
user's cache on its own; the CLI edges pass `LayerCache.open_default()` (and None for --no-cache,
tests/unit/fs/test_cache.py)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from caulk.fs.cache import LayerCache
from caulk.scan import ScanOptions, scan_image
from caulk.signing.interface import PREDICATE_TYPES
from caulk.signing.predicate import predicate_from_scan, scan_options_for

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-image"


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAULK_CACHE_DIR", str(tmp_path / "user-cache"))
    return tmp_path / "user-cache" / "layers"


@pytest.fixture
def demo(tmp_path: Path) -> str:
    return f"oci:{shutil.copytree(DEMO, tmp_path / 'demo')}:latest"


def test_default_options_leave_the_user_cache_alone(user_cache: Path, demo: str) -> None:
    assert ScanOptions().cache is None
    scan_image(demo, ScanOptions(vulnerabilities=False))
    assert not user_cache.exists()


def test_the_user_cache_is_passed_explicitly(user_cache: Path, demo: str) -> None:
    cache = LayerCache.open_default()
    assert cache is not None and cache.directory == user_cache
    cached = scan_image(demo, ScanOptions(vulnerabilities=False, cache=cache))
    assert len(list(user_cache.iterdir())) == 4  # 3 layers + the efficiency entry
    uncached = scan_image(demo, ScanOptions(vulnerabilities=False))
    clear = {"scanned_at": ""}
    assert dataclasses.replace(cached, **clear) == dataclasses.replace(uncached, **clear)


def test_the_sbom_predicate_uses_the_user_cache(user_cache: Path, demo: str) -> None:
    # what `caulk attest --type sbom` runs (cli/sign.py): the CLI scans, signing builds the body
    base = ScanOptions(cache=LayerCache.open_default())
    options = scan_options_for(PREDICATE_TYPES["sbom"], base)
    predicate_from_scan(PREDICATE_TYPES["sbom"], scan_image(demo, options))
    assert user_cache.is_dir() and any(user_cache.iterdir())
