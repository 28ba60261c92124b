"""Base images and stages: tags, digests, trusted registries, the curated list, aliases,
`COPY --from`."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.context import Hit, LintContext, register_check
from caulk.check.dockerfile.syntax import Stage

__all__: list[str] = []


def _external(stage: Stage) -> bool:
    """A real image: not scratch, not an earlier stage."""
    return stage.parent is None and not stage.is_scratch


def _resolved(stage: Stage) -> bool:
    """Every variable in the image name has a known value."""
    return stage.resolved and bool(stage.base.repository)


@register_check(cat.UNTAGGED, cat.LATEST, cat.NO_DIGEST, cat.PLATFORM)
def tags(ctx: LintContext) -> Iterator[Hit]:
    for st in ctx.stages:
        ins = st.from_instruction
        if not _external(st) or not _resolved(st):
            continue
        b = st.base
        shown = b.text if b.text == st.base_raw else f"{st.base_raw} (= {b.text})"
        if b.tag is None and b.digest is None:
            yield Hit(cat.UNTAGGED, f"{shown} has no tag; it resolves to latest", ins)
        elif b.tag == "latest" and b.digest is None:
            yield Hit(cat.LATEST, f"{shown} uses the latest tag", ins)
        if b.digest is None:
            yield Hit(cat.NO_DIGEST, f"{shown} is not pinned by digest", ins)
    for st in ctx.stages:
        p = st.platform
        if p and "BUILDPLATFORM" not in p and "TARGETPLATFORM" not in p:
            yield Hit(cat.PLATFORM, f"FROM --platform={p} fixes the platform", st.from_instruction)


@register_check(cat.UNTRUSTED, cat.NOT_CURATED)
def trusted(ctx: LintContext) -> Iterator[Hit]:
    registries = ctx.config.trusted_registries
    allowed = ctx.config.allowed_images
    for st in ctx.stages:
        if not _external(st) or not _resolved(st):
            continue
        reg = st.base.registry_or_default
        if registries and not any(
            fnmatchcase(reg, pat) or (pat in ("docker.io", "hub.docker.com") and reg == "docker.io")
            for pat in registries
        ):
            yield Hit(
                cat.UNTRUSTED,
                f"{st.base.text} comes from {reg}, not a trusted registry",
                st.from_instruction,
            )
        if allowed and not any(_image_matches(st, pat) for pat in allowed):
            yield Hit(
                cat.NOT_CURATED,
                f"{st.base.text} is not in allowed-base-images",
                st.from_instruction,
            )


def _image_matches(st: Stage, pattern: str) -> bool:
    b = st.base
    names = {b.text, f"{b.repository}:{b.tag or 'latest'}", b.repository}
    full_repo = f"{b.registry_or_default}/{b.repository}"
    if b.registry is None and "/" not in b.repository:
        names.add(f"docker.io/library/{b.repository}")
        names.add(f"docker.io/library/{b.repository}:{b.tag or 'latest'}")
        names.add(f"library/{b.repository}")
    names.add(full_repo)
    names.add(f"{full_repo}:{b.tag or 'latest'}")
    return any(fnmatchcase(n, pattern) for n in names)


@register_check(cat.DUP_ALIAS, cat.COPY_FROM_UNKNOWN, cat.COPY_FROM_SELF)
def stages(ctx: LintContext) -> Iterator[Hit]:
    seen: dict[str, int] = {}
    for st in ctx.stages:
        if st.name is None:
            continue
        if st.name in seen:
            yield Hit(
                cat.DUP_ALIAS,
                f"stage name {st.name!r} already used at line {seen[st.name]}",
                st.from_instruction,
            )
        else:
            seen[st.name] = st.from_instruction.span.line
    for ins, eff in ctx.effective():
        if eff.keyword not in ("COPY", "ADD"):
            continue
        src = eff.flag("from")
        if src is None or src.value is None:
            continue
        ref = src.value.strip("\"'")
        here = ctx.stages[ins.stage] if ins.stage >= 0 else None
        if here is not None and here.name is not None and ref.lower() == here.name:
            yield Hit(cat.COPY_FROM_SELF, f"--from={ref} is the stage this COPY is in", ins)
            continue
        earlier = [s for s in ctx.stages if here is None or s.index < here.index]
        if any(s.name == ref.lower() for s in earlier):
            continue
        if ref.isdigit() and int(ref) < len(earlier):
            continue
        if ":" in ref or "/" in ref or "." in ref or "$" in ref:
            continue  # an image reference or a build argument
        yield Hit(cat.COPY_FROM_UNKNOWN, f"--from={ref} names no earlier stage", ins)
