"""CK-IMG-014..017: dive's CI comparisons over `caulk.fs.efficiency`, and hidden directories."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from caulk.check.image.efficiency import EfficiencyCheck, efficiency_findings
from caulk.check.image.interface import CheckOptions, ImageContext
from caulk.fs.efficiency import Efficiency, HiddenDir, InefficientFile
from caulk.fs.view import view_from_layers
from tests.support import synth

from .helpers import fake_image, scan


def eff(score: float, wasted: int, user: float, hidden: tuple[HiddenDir, ...] = ()) -> Efficiency:
    return Efficiency(
        efficiency=score,
        wasted_bytes=wasted,
        user_wasted_percent=user,
        size_bytes=1000,
        user_size_bytes=500,
        inefficient_files=(InefficientFile("/a", 2, wasted),),
        hidden_bytes=sum(h.bytes for h in hidden),
        hidden_dirs=hidden,
    )


def rules(e: Efficiency, **options: object) -> list[str]:
    ctx = ImageContext(fake_image(), view_from_layers([]), CheckOptions(**options))  # type: ignore[arg-type]
    return [f.rule_id for f in efficiency_findings(e, ctx)]


@pytest.mark.parametrize(
    ("e", "options", "expected"),
    [
        (eff(0.9, 0, 0.0), {}, []),  # equal to the threshold passes (dive: threshold > value fails)
        (eff(0.8999, 0, 0.0), {}, ["CK-IMG-014"]),
        (eff(0.5, 0, 0.0), {"lowest_efficiency": None}, []),
        (eff(1.0, 10**9, 0.0), {}, []),  # highestWastedBytes is disabled by default, as in dive
        (eff(1.0, 1001, 0.0), {"highest_wasted_bytes": 1000}, ["CK-IMG-015"]),
        (eff(1.0, 1000, 0.0), {"highest_wasted_bytes": 1000}, []),
        (eff(1.0, 0, 0.1), {}, []),
        (eff(1.0, 0, 0.1001), {}, ["CK-IMG-016"]),
        (eff(1.0, 0, math.nan), {}, []),  # Go: 0.1 < NaN is false
        (eff(1.0, 5, math.inf), {}, ["CK-IMG-016"]),  # wasted bytes but no user bytes
        (eff(1.0, 0, 0.5), {"highest_user_wasted_percent": None}, []),
    ],
)
def test_dive_comparisons(e: Efficiency, options: dict[str, object], expected: list[str]) -> None:
    assert rules(e, **options) == expected


def test_hidden_directories_one_info_finding_each() -> None:
    hidden = (
        HiddenDir("deleted", "/build", 2, 3, 4096),
        HiddenDir("opaque", "/var/cache", 3, 0, 0),  # nothing hidden: no finding
        HiddenDir("opaque", "/opt", 3, 1, 10),
    )
    ctx = ImageContext(fake_image(), view_from_layers([]))
    found = list(efficiency_findings(eff(1.0, 0, 0.0, hidden), ctx))
    assert [(f.rule_id, f.location.path, f.location.layer) for f in found] == [
        ("CK-IMG-017", "/build", 2),
        ("CK-IMG-017", "/opt", 3),
    ]
    assert "hides 4096 bytes (3 files)" in found[0].message


def test_real_layers_overwrite_and_deleted_directory(tmp_path: Path) -> None:
    base = [synth.dir("/data"), synth.file("/data/big", b"x" * 5000), synth.dir("/build"),
            synth.file("/build/obj", b"y" * 3000)]  # fmt: skip
    top = [synth.dir("/data"), synth.file("/data/big", b"z" * 5000), synth.whiteout("/build")]
    found = scan(tmp_path, [base, top], checks=[EfficiencyCheck()])
    got = [(f.rule_id, f.location.path) for f in found]
    # /data/big written twice: 10000 of 10000 user bytes wasted (> 0.1); efficiency 5000/15000+
    assert got == [("CK-IMG-014", None), ("CK-IMG-016", None), ("CK-IMG-017", "/build")]
    assert "/data/big" in dict(found[0].details)["top wasted files"]
    assert "hides 3000 bytes (1 file)" in found[2].message
