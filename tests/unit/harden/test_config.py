from __future__ import annotations

import json

import pytest

from caulk.errors import ImageFormatError
from caulk.harden.config import defanged_config
from caulk.harden.plan import ClearedFile, DefangPlan

RAW = json.dumps(
    {
        "created": "2024-01-01T00:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/bin/bash"], "Env": ["PATH=/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:aa", "sha256:bb"]},
        "history": [
            {"created_by": "base"},
            {"created_by": "ENV x", "empty_layer": True},
            {"created_by": "RUN y"},
        ],
    }
).encode()


def _plan(**kw: object) -> DefangPlan:
    fields: dict[str, object] = {
        "members": (),
        "cleared": (ClearedFile("/usr/bin/su", 0, 0o4755, 0o755),),
        "removed": (),
        "user": None,
        "created_user": None,
        "squash": False,
        "created": "2025-05-05T00:00:00Z",
        "created_by": "caulk defang",
    }
    fields.update(kw)
    return DefangPlan(**fields)  # type: ignore[arg-type]


def test_appends_layer_and_history_keeps_the_rest() -> None:
    out = json.loads(defanged_config(RAW, _plan(user="65532:65532"), "sha256:cc", where="cfg"))
    assert out["rootfs"]["diff_ids"] == ["sha256:aa", "sha256:bb", "sha256:cc"]
    assert out["history"][-1]["created"] == "2025-05-05T00:00:00Z"
    assert out["history"][-1]["created_by"] == "caulk defang"
    assert "empty_layer" not in out["history"][-1]
    assert out["created"] == "2025-05-05T00:00:00Z"
    assert out["config"] == {"Cmd": ["/bin/bash"], "Env": ["PATH=/usr/bin"], "User": "65532:65532"}
    assert list(out) == list(json.loads(RAW))  # key order kept


def test_squash_marks_old_history_empty() -> None:
    out = json.loads(defanged_config(RAW, _plan(squash=True), "sha256:cc", where="cfg"))
    assert out["rootfs"]["diff_ids"] == ["sha256:cc"]
    assert [h.get("empty_layer", False) for h in out["history"]] == [True, True, True, False]
    assert "User" not in out["config"]


def test_same_input_same_bytes() -> None:
    assert defanged_config(RAW, _plan(), "sha256:cc", where="c") == defanged_config(
        RAW, _plan(), "sha256:cc", where="c"
    )


def test_not_json_names_the_config() -> None:
    with pytest.raises(ImageFormatError, match="cfg"):
        defanged_config(b"{nope", _plan(), "sha256:cc", where="cfg")
