from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from caulk.cli.main import main
from caulk.errors import ImageFormatError
from caulk.fs.view import build_view
from caulk.harden import (
    DEFANG_ANALYZERS,
    DefangOptions,
    LayerMember,
    MemberKind,
    defang,
    write_defanged,
)
from caulk.source import open_image
from tests.support import synth

LAYERS = [
    [
        synth.dir("/usr"),
        synth.dir("/usr/bin"),
        synth.symlink("/bin", "usr/bin"),
        synth.file("/usr/bin/su", b"su", mode=0o4755),
        synth.file("/usr/bin/sh", b"sh", mode=0o755),
    ],
    [synth.file("/usr/bin/newgrp", b"newgrp", mode=0o4755)],
]


def _image(tmp_path: Path) -> str:
    root = synth.oci_layout(
        tmp_path / "in", [synth.tar(layer) for layer in LAYERS],
        config={"created": "2021-01-01T00:00:00Z", "config": {"Cmd": ["/bin/sh"]}},
    )  # fmt: skip
    return f"oci:{root}:latest"


def _caulk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _digest(stdout: str) -> str:
    return stdout.rsplit("manifest ", 1)[-1].strip()


@pytest.mark.parametrize(
    "dest", ["oci:{d}/o:t", "oci-archive:{d}/o.tar:t", "docker-archive:{d}/o.tar:a/b:t"]
)
def test_every_destination_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dest: str
) -> None:
    out = dest.format(d=tmp_path)
    code, stdout, err = _caulk(capsys, "defang", _image(tmp_path), "-o", out, "--user")
    assert code == 0, err
    assert "2 setuid/setgid cleared" in stdout
    ref = out if not out.startswith("docker-archive") else f"docker-archive:{tmp_path}/o.tar"
    with open_image(ref) as image:
        view = build_view(image)
        assert not [
            e for e in view.squashed().values() if e.mode & 0o6000 and e.type.value == "file"
        ]
        assert image.config.user == "65532:65532"
        assert image.config.created == "2021-01-01T00:00:00Z"
        assert image.config.history[-1].created == "2021-01-01T00:00:00Z"
        assert len(image.layers) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in",
        "o" if out.startswith("oci:") else "o.tar",
    ]


def test_deterministic_and_source_date_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _image(tmp_path)
    runs = [_caulk(capsys, "defang", src, "-o", f"oci:{tmp_path}/{n}:t", "--squash") for n in "ab"]
    assert runs[0][0] == runs[1][0] == 0
    assert _digest(runs[0][1]) == _digest(runs[1][1])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    code, stdout, _ = _caulk(capsys, "defang", src, "-o", f"oci:{tmp_path}/c:t", "--squash")
    assert code == 0 and _digest(stdout) != _digest(runs[0][1])
    with open_image(f"oci:{tmp_path}/c:t") as image:
        assert image.config.created == "1970-01-01T00:00:00Z"
        assert len(image.layers) == 1


def test_output_into_the_input_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _image(tmp_path)
    code, _, err = _caulk(capsys, "defang", src, "-o", f"oci:{tmp_path}/in:defanged")
    assert code == 0, err
    index = json.loads((tmp_path / "in/index.json").read_text())
    tags = sorted(m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"])
    assert tags == ["defanged", "latest"]
    with open_image(src) as image:
        assert len(image.layers) == 2  # the input is untouched


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-o", "nowhere"), "--output 'nowhere'"),
        (("-o", "oci:{d}/o", "--remove", "usr/bin/sh"), "absolute path"),
        (("-o", "oci:{d}/o", "--remove", "/nope"), "--remove /nope: no such path"),
        (("-o", "oci:{d}/o", "--user", "root"), "root (uid 0)"),
        (("-o", "oci:{d}/o", "--user", "a b"), "invalid user"),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    src = _image(tmp_path)
    code, _, err = _caulk(capsys, "defang", src, *(a.format(d=tmp_path) for a in args))
    assert code == 2 and message in err and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["in"]


def test_failure_while_writing_leaves_nothing(tmp_path: Path) -> None:
    src = _image(tmp_path)
    with open_image(src) as image:
        view = build_view(image, DEFANG_ANALYZERS)
        plan = defang(image, view, DefangOptions())
        ghost = LayerMember("/usr/bin/ghost", MemberKind.FILE, origin=(1, "/usr/bin/ghost"))
        broken = dataclasses.replace(plan, members=(*plan.members, ghost))
        with pytest.raises(ImageFormatError, match="ghost"):
            write_defanged(image, broken, f"oci-archive:{tmp_path}/o.tar", view=view)
    assert [p.name for p in tmp_path.iterdir()] == ["in"]
