from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "advisories-import"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's ~/.cache/caulk from a test."""
    monkeypatch.setenv("CAULK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CAULK_DB", raising=False)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
