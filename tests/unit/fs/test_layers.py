"""`caulk.fs.layers`: per-layer added/modified/removed with sizes, wasted bytes, commands and
filters; and `caulk layers` on a synthetic image (table, JSON, bad options)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caulk.fs.layers import SCHEMA, LayerFilter, layer_report, report_json
from caulk.source.interface import HistoryEntry
from tests.support import synth
from tests.unit.fs.helpers import view
from tests.unit.harden.test_cli import _caulk

f, d, s, wh, opq = synth.file, synth.dir, synth.symlink, synth.whiteout, synth.opaque
LAYERS = [
    [d("/etc"), f("/etc/a", b"a" * 100), f("/etc/b", b"b" * 50), d("/o"), f("/o/k", b"k" * 11),
     d("/big"), f("/big/one", b"1" * 1000), f("/big/two", b"2" * 2000)],
    [f("/etc/a", b"A" * 120), wh("/etc/b"), wh("/big"), opq("/o"), d("/o"), f("/o/n", b"n" * 3),
     s("/etc/link", "a")],
    [f("/etc/a", b"z" * 5)],
]  # fmt: skip
HISTORY = (
    HistoryEntry(created_by="base"),
    HistoryEntry(created_by="ENV X=1", empty_layer=True),
    HistoryEntry(created_by="RUN change"),
    HistoryEntry(created_by="RUN again"),
)


def _changes(report_layer: object) -> dict[str, tuple[str, int]]:
    return {c.path: (c.change, c.size) for c in report_layer.changes}  # type: ignore[attr-defined]


def test_added_modified_removed_sizes_and_wasted() -> None:
    report = layer_report(view(*LAYERS), HISTORY)
    base, middle, top = report.layers
    assert _changes(base)["/etc/a"] == ("added", 100)
    assert (base.added, base.modified, base.removed) == (8, 0, 0)
    assert base.wasted_bytes == 100 + 50 + 11 + 1000 + 2000  # all overwritten or deleted later
    assert _changes(middle) == {
        "/etc/a": ("modified", 120),
        "/etc/b": ("removed", 50),
        "/big": ("removed", 3000),
        "/o": ("removed", 11),  # the opaque marker hides /o/k
        "/o/n": ("added", 3),
        "/etc/link": ("added", 0),
    }
    assert middle.wasted_bytes == 120
    assert _changes(top) == {"/etc/a": ("modified", 5)} and top.wasted_bytes == 0
    assert [x.created_by for x in report.layers] == ["base", "RUN change", "RUN again"]
    assert [x.size_bytes for x in report.layers] == [3161, 123, 5]
    assert report.efficiency.size_bytes == 3161 + 123 + 5


def test_filters_list_less_but_count_everything() -> None:
    keep = LayerFilter(paths=("/etc/*",), kinds=("modified", "removed"), min_size=6, layers=(1,))
    (middle,) = layer_report(view(*LAYERS), HISTORY, keep).layers
    assert _changes(middle) == {"/etc/a": ("modified", 120), "/etc/b": ("removed", 50)}
    assert (middle.added, middle.modified, middle.removed) == (2, 1, 3)


def test_json_form() -> None:
    doc = report_json(layer_report(view(*LAYERS), HISTORY), "oci:x")
    assert doc["schema"] == SCHEMA
    image = doc["image"]
    assert isinstance(image, dict) and image["reference"] == "oci:x"
    assert set(image) >= {"size_bytes", "wasted_bytes", "efficiency", "inefficient_files"}
    layer = doc["layers"][1]  # type: ignore[index]
    change = next(c for c in layer["changes"] if c["path"] == "/etc/a")
    assert change == {"path": "/etc/a", "change": "modified", "type": "file", "size": 120,
                      "mode": "0644", "uid": 0, "gid": 0, "hidden": True}  # fmt: skip
    json.dumps(doc, allow_nan=False)


def test_cli_table_json_and_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = synth.oci_layout(tmp_path / "img", [synth.tar(layer) for layer in LAYERS])
    ref = f"oci:{root}:latest"
    code, out, err = _caulk(capsys, "layers", ref, "--only", "removed")
    assert code == 0, err
    assert "  -" in out and "/big" in out and "/etc/a" not in out
    assert "efficiency" in out.splitlines()[-1]
    code, out, err = _caulk(capsys, "layers", ref, "-f", "json", "--min-size", "1kB")
    assert code == 0, err
    doc = json.loads(out)
    assert [c["path"] for layer in doc["layers"] for c in layer["changes"]] == [
        "/big/one", "/big/two", "/big"
    ]  # fmt: skip
    code, _, err = _caulk(capsys, "layers", ref, "--layer", "7")
    assert code == 2 and "--layer 7: the image has layers 0..2" in err
    code, _, err = _caulk(capsys, "layers", ref, "--min-size", "lots")
    assert code == 2 and "--min-size" in err
