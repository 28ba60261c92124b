"""CK-IMG-011/012 (history) and CK-IMG-013 (mutable reference) on real OCI layouts."""

from __future__ import annotations

from pathlib import Path

from caulk.check.image.history import HistoryCheck
from caulk.check.image.reference import ReferenceCheck
from tests.support import synth

from .helpers import scan

LAYER = [synth.dir("/a")]


def test_history_findings_carry_step_and_layer(tmp_path: Path) -> None:
    config = {
        "history": [
            {"created_by": "ADD https://example.com/tool.tgz /opt/ # buildkit"},
            {"created_by": "/bin/sh -c #(nop)  ENV A=b", "empty_layer": True},
            {"created_by": "RUN /bin/sh -c curl -fsSL https://get.example.com | sh # buildkit"},
        ]
    }
    found = scan(tmp_path, [LAYER, LAYER], config=config, checks=[HistoryCheck()])
    got = [(f.rule_id, f.location.field, f.location.layer) for f in found]
    assert got == [
        ("CK-IMG-011", "history[0].created_by", 0),
        ("CK-IMG-012", "history[2].created_by", 1),
    ]
    assert "https://example.com/tool.tgz" in found[0].message


def test_reference_by_tag(tmp_path: Path) -> None:
    def rules(tag: str | None, reference: str | None = None) -> list[str]:
        root = tmp_path / f"t{len(list(tmp_path.iterdir()))}"
        found = scan(root, [LAYER], tag=tag, reference=reference, checks=[ReferenceCheck()])
        return [f.message.split(" is referenced ")[1].split(";")[0] for f in found]

    assert rules("latest") == ["by the tag 'latest'"]
    assert rules("1.0") == []
    assert rules(None) == ["without a tag"]


def test_reference_by_digest_and_dir(tmp_path: Path) -> None:
    img = synth.image([synth.tar(LAYER)])
    path = synth.write_oci(tmp_path / "img", img, tag="latest")
    found = scan(
        tmp_path / "x",
        [LAYER],
        reference=f"oci:{path}@{img.manifest_digest}",
        checks=[ReferenceCheck()],
    )
    assert found == []
    rootfs = tmp_path / "rootfs"
    (rootfs / "etc").mkdir(parents=True)
    found = scan(tmp_path / "y", [LAYER], reference=f"dir:{rootfs}", checks=[ReferenceCheck()])
    assert found == []
