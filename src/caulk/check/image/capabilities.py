"""CK-IMG-018: files with capabilities (`security.capability`, e.g. `cap_net_raw=ep`) in the final
filesystem: the same escalation path as setuid, without the mode bit. The text is what `getcap`
prints (see `caulk.fs.capabilities`); hard links report their inode's capabilities."""

from __future__ import annotations

from collections.abc import Iterator

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import FILE_CAPABILITIES
from caulk.check.rules import Rule
from caulk.fs.inodes import layer_digest, regular_files
from caulk.fs.interface import FileAnalyzer, FileEntry, LayerView
from caulk.model import Finding, Location

__all__ = ["CapabilityCheck", "capability_files"]


def capability_files(view: LayerView) -> Iterator[tuple[FileEntry, str]]:
    """(visible entry, capabilities text) for every regular file that has capabilities."""
    for entry, inode in regular_files(view):
        if inode.capabilities:
            yield entry, inode.capabilities


class CapabilityCheck:
    rules: tuple[Rule, ...] = (FILE_CAPABILITIES,)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        for entry, caps in capability_files(ctx.view):
            if entry.path in ctx.options.allow_paths:
                continue
            yield FILE_CAPABILITIES.finding(
                f"{entry.path} has file capabilities {caps}",
                Location(
                    path=entry.path,
                    layer=entry.layer,
                    layer_digest=layer_digest(ctx.view, entry.layer),
                ),
                details=(("capabilities", caps),),
            )
