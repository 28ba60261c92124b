"""CK-IMG-014/015/016: dive's `--ci` thresholds over `caulk.fs.efficiency` (computed exactly as
dive 0.13 does), and CK-IMG-017: bytes hidden by deleted directories and opaque whiteouts, which
dive does not count.

Comparisons are dive's: fail when efficiency < lowestEfficiency, wasted bytes > highestWastedBytes,
user-wasted ratio > highestUserWastedPercent. A threshold of None is "disabled".
"""

from __future__ import annotations

from collections.abc import Iterator

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import HIDDEN_BYTES, LOW_EFFICIENCY, USER_WASTED_PERCENT, WASTED_BYTES
from caulk.check.rules import Rule
from caulk.fs.efficiency import Efficiency, compute_efficiency
from caulk.fs.inodes import layer_digest
from caulk.fs.interface import FileAnalyzer
from caulk.model import Finding, Location

__all__ = ["EfficiencyCheck", "efficiency_findings"]


def _top(eff: Efficiency, limit: int = 5) -> tuple[tuple[str, str], ...]:
    files = [f"{f.path} ({f.wasted_bytes} B x{f.count})" for f in eff.inefficient_files[:limit]]
    return (("top wasted files", "; ".join(files)),) if files else ()


def efficiency_findings(eff: Efficiency, ctx: ImageContext) -> Iterator[Finding]:
    opts = ctx.options
    where = Location()
    if opts.lowest_efficiency is not None and opts.lowest_efficiency > eff.efficiency:
        yield LOW_EFFICIENCY.finding(
            f"image efficiency {eff.efficiency:.4f} is below {opts.lowest_efficiency}",
            where,
            details=(("efficiency", repr(eff.efficiency)), *_top(eff)),
        )
    if opts.highest_wasted_bytes is not None and eff.wasted_bytes > opts.highest_wasted_bytes:
        yield WASTED_BYTES.finding(
            f"{eff.wasted_bytes} bytes wasted (threshold {opts.highest_wasted_bytes})",
            where,
            details=(("wasted bytes", str(eff.wasted_bytes)), *_top(eff)),
        )
    user = opts.highest_user_wasted_percent
    if user is not None and user < eff.user_wasted_percent:
        yield USER_WASTED_PERCENT.finding(
            f"{eff.user_wasted_percent:.2%} of the bytes added above the base layer are wasted"
            f" (threshold {user:.2%})",
            where,
            details=(("user wasted ratio", repr(eff.user_wasted_percent)), *_top(eff)),
        )
    for hidden in eff.hidden_dirs:
        if hidden.bytes <= 0:
            continue
        how = "deleting" if hidden.kind == "deleted" else "an opaque whiteout of"
        files = f"{hidden.files} file{'' if hidden.files == 1 else 's'}"
        yield HIDDEN_BYTES.finding(
            f"layer {hidden.layer} hides {hidden.bytes} bytes ({files}) of lower layers by {how}"
            f" {hidden.path}; dive does not count them as wasted",
            Location(
                path=hidden.path,
                layer=hidden.layer,
                layer_digest=layer_digest(ctx.view, hidden.layer),
            ),
            details=(
                ("kind", hidden.kind),
                ("hidden bytes", str(hidden.bytes)),
                ("hidden files", str(hidden.files)),
                ("image hidden bytes", str(eff.hidden_bytes)),
            ),
        )


class EfficiencyCheck:
    rules: tuple[Rule, ...] = (LOW_EFFICIENCY, WASTED_BYTES, USER_WASTED_PERCENT, HIDDEN_BYTES)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        yield from efficiency_findings(ctx.efficiency or compute_efficiency(ctx.view), ctx)
