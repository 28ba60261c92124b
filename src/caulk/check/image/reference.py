"""CK-IMG-013: the image was referenced by a mutable tag (none or `latest`) instead of a digest;
with `require_digest` (where policy expects digests) any tag, `:1.0` included, is reported: a
registry lets a tag be pushed again.

`dir:` sources have no reference to pin and are never reported."""

from __future__ import annotations

from collections.abc import Iterator

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import MUTABLE_REFERENCE
from caulk.check.rules import Rule
from caulk.fs.interface import FileAnalyzer
from caulk.model import Finding, Location

__all__ = ["ReferenceCheck", "pinned"]


def pinned(reference: str) -> bool:
    """True when the reference names a digest (`…@sha256:…`)."""
    _, at, digest = reference.rpartition("@")
    return bool(at) and ":" in digest


class ReferenceCheck:
    rules: tuple[Rule, ...] = (MUTABLE_REFERENCE,)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        image = ctx.image
        if image.transport == "dir" or pinned(image.reference):
            return
        if image.tag is None or image.tag == "latest" or ctx.options.require_digest:
            how = "without a tag" if image.tag is None else f"by the tag {image.tag!r}"
            yield MUTABLE_REFERENCE.finding(
                f"{image.reference} is referenced {how}; pin it as @{image.digest}",
                Location(field="reference"),
                details=(("digest", image.digest),),
            )
