"""The de-fanged image's config: diff_ids and history extended (or replaced by `--squash`),
`User` set, `created` fixed — serialised the same way every time."""

from __future__ import annotations

import json
from typing import Any

from caulk.errors import ImageFormatError
from caulk.harden.plan import DefangPlan
from caulk.safeload import DocumentError, load_json

__all__ = ["defanged_config"]


def _comment(plan: DefangPlan) -> str:
    parts = [f"cleared setuid/setgid on {len(plan.cleared)} paths"]
    if plan.removed:
        parts.append(f"removed {len(plan.removed)} paths")
    if plan.user:
        parts.append(f"user {plan.user}")
    if plan.squash:
        parts.append("squashed")
    return "caulk defang: " + ", ".join(parts)


def defanged_config(raw: bytes, plan: DefangPlan, diff_id: str, *, where: str) -> bytes:
    try:
        config: dict[str, Any] = load_json(raw, where=where, what="image config")
    except DocumentError as exc:
        raise ImageFormatError(exc.message, where=where) from None
    if not isinstance(config, dict):
        raise ImageFormatError("image config is not a JSON object", where=where)
    rootfs = config.get("rootfs")
    if not isinstance(rootfs, dict):
        rootfs = {"type": "layers"}
    history: list[Any] = list(config.get("history") or [])
    if plan.squash:
        rootfs["diff_ids"] = [diff_id]
        history = [{**h, "empty_layer": True} if isinstance(h, dict) else h for h in history]
    else:
        rootfs["diff_ids"] = [*list(rootfs.get("diff_ids") or []), diff_id]
    history.append(
        {"created": plan.created, "created_by": plan.created_by, "comment": _comment(plan)}
    )
    config["rootfs"] = rootfs
    config["history"] = history
    config["created"] = plan.created
    if plan.user is not None:
        settings = config.get("config")
        if not isinstance(settings, dict):
            settings = {}
        settings["User"] = plan.user
        config["config"] = settings
    return json.dumps(config, separators=(",", ":")).encode()
