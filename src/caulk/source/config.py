"""Parse an image config blob (OCI or Docker) into `ImageConfig`, keeping the raw bytes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from caulk import safeload
from caulk.errors import ImageFormatError
from caulk.source.interface import HistoryEntry, ImageConfig

__all__ = ["load_json", "parse_config"]

MAX_JSON = 64 << 20  # manifests, indexes and configs are small; refuse absurd ones
_LIMITS = safeload.DEFAULT_LIMITS.but(max_bytes=MAX_JSON)


def load_json(data: bytes, *, what: str, where: str) -> dict[str, Any]:
    """Parse a JSON object within safeload's limits (size, depth, integer digits), raising a
    one-line ImageFormatError naming `where`."""
    try:
        value = safeload.load_json(data, where=where, what=what, limits=_LIMITS)
    except safeload.DocumentError as exc:
        raise ImageFormatError(exc.message, where=where) from None
    if not isinstance(value, dict):
        raise ImageFormatError(f"{what} is not a JSON object", where=where)
    return value


class _Fields:
    """Typed access to a JSON object with errors naming the field."""

    def __init__(self, obj: Mapping[str, Any], prefix: str, where: str) -> None:
        self.obj, self.prefix, self.where = obj, prefix, where

    def text(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ImageFormatError(
                f"config field {self.prefix}{key} is not a string", where=self.where
            )
        return value

    def strings(self, key: str) -> tuple[str, ...] | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if isinstance(value, str):  # Docker accepts a bare string for Cmd/Entrypoint/Test
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ImageFormatError(
                f"config field {self.prefix}{key} is not a list of strings", where=self.where
            )
        return tuple(value)

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.obj.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ImageFormatError(
                f"config field {self.prefix}{key} is not an object", where=self.where
            )
        return value


def _history(raw: Any, where: str) -> tuple[HistoryEntry, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ImageFormatError("config field history is not a list", where=where)
    entries = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ImageFormatError(f"config field history[{i}] is not an object", where=where)
        f = _Fields(item, f"history[{i}].", where)
        entries.append(
            HistoryEntry(
                created=f.text("created"),
                created_by=f.text("created_by") or "",
                author=f.text("author"),
                comment=f.text("comment"),
                empty_layer=bool(item.get("empty_layer", False)),
            )
        )
    return tuple(entries)


def parse_config(raw: bytes, *, where: str) -> ImageConfig:
    """`where` names the config blob (digest and file) for error messages."""
    doc = load_json(raw, what="image config", where=where)
    top = _Fields(doc, "", where)
    cfg = _Fields(top.mapping("config"), "config.", where)
    rootfs = _Fields(top.mapping("rootfs"), "rootfs.", where)
    labels = cfg.mapping("Labels")
    if not all(isinstance(v, str) for v in labels.values()):
        raise ImageFormatError("config field config.Labels has a non-string value", where=where)
    health = _Fields(cfg.mapping("Healthcheck"), "config.Healthcheck.", where)
    return ImageConfig(
        raw=raw,
        architecture=top.text("architecture") or "",
        os=top.text("os") or "",
        variant=top.text("variant"),
        created=top.text("created"),
        user=cfg.text("User") or "",
        env=cfg.strings("Env") or (),
        entrypoint=cfg.strings("Entrypoint"),
        cmd=cfg.strings("Cmd"),
        working_dir=cfg.text("WorkingDir") or "",
        labels=tuple(sorted(labels.items())),
        exposed_ports=tuple(sorted(cfg.mapping("ExposedPorts"))),
        volumes=tuple(sorted(cfg.mapping("Volumes"))),
        stop_signal=cfg.text("StopSignal"),
        healthcheck=health.strings("Test"),
        history=_history(doc.get("history"), where),
        diff_ids=rootfs.strings("diff_ids") or (),
    )
