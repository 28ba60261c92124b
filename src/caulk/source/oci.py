"""`oci:DIR[:tag|@digest]` and `oci-archive:FILE[:tag|@digest]`: OCI image layouts, as a
directory or inside an uncompressed tar."""

from __future__ import annotations

import logging
from pathlib import Path

from caulk.errors import ImageFormatError
from caulk.source.config import load_json
from caulk.source.interface import BlobStore, Image, Platform
from caulk.source.reference import split_path, split_tag_or_digest
from caulk.source.resolve import Located, resolve, select_in_index
from caulk.source.stores import LayoutStore, TarArchive
from caulk.source.verify import check_digest

__all__ = ["open_layout", "open_oci", "open_oci_archive"]

log = logging.getLogger(__name__)


def open_layout(
    *,
    reference: str,
    transport: str,
    store: BlobStore,
    index_where: str,
    layout_where: str,
    index_json: bytes,
    layout_file: bytes | None,
    tag: str | None,
    digest: str | None,
    platform: Platform | None,
) -> Image:
    """Resolve an image in an OCI layout given its index.json bytes and blob store."""
    where = index_where
    if layout_file is not None:
        layout = load_json(layout_file, what="oci-layout file", where=layout_where)
        if not str(layout.get("imageLayoutVersion", "")).startswith("1."):
            raise ImageFormatError(
                f"unsupported imageLayoutVersion {layout.get('imageLayoutVersion')!r}",
                where=layout_where,
            )
    index = load_json(index_json, what="index.json", where=where)
    if digest is not None:
        check_digest(digest, where=reference)
    desc, found_tag = select_in_index(index, tag=tag, digest=digest, where=where)
    src = Located(
        reference=reference,
        transport=transport,
        store=store,
        locate=getattr(store, "locate", lambda d: d),
        tag=tag or found_tag,
    )
    return resolve(src, desc, platform)


def open_oci(reference: str, rest: str, platform: Platform | None) -> Image:
    path, remainder = split_path(rest, want_dir=True)
    tag, digest = split_tag_or_digest(remainder)
    store = LayoutStore(path)
    try:
        return open_layout(
            reference=reference,
            transport="oci",
            store=store,
            index_where=str(path / "index.json"),
            layout_where=str(path / "oci-layout"),
            index_json=store.read_file("index.json"),
            layout_file=store.read_file("oci-layout") if (path / "oci-layout").exists() else None,
            tag=tag,
            digest=digest,
            platform=platform,
        )
    except BaseException:
        store.close()
        raise


def open_oci_archive(reference: str, rest: str, platform: Platform | None) -> Image:
    path, remainder = split_path(rest, want_dir=False)
    tag, digest = split_tag_or_digest(remainder)
    archive = TarArchive(Path(path))
    try:
        if not archive.has("index.json"):
            raise ImageFormatError("not an OCI archive: no index.json", where=str(path))
        return open_layout(
            reference=reference,
            transport="oci-archive",
            store=archive,
            index_where=f"{path}:index.json",
            layout_where=f"{path}:oci-layout",
            index_json=archive.read_member("index.json"),
            layout_file=archive.read_member("oci-layout") if archive.has("oci-layout") else None,
            tag=tag,
            digest=digest,
            platform=platform,
        )
    except BaseException:
        archive.close()
        raise
