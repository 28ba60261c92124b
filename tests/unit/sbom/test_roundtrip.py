"""Write then read gives the same inventory, for the sample and for the real demo image."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from caulk.model import ScanResult
from caulk.sbom import read_sbom, write_cyclonedx, write_spdx
from caulk.scan import ScanOptions, scan_image
from tests.unit.sbom.sample import sample_result

Writer = Callable[[ScanResult], bytes]
WRITERS = pytest.mark.parametrize(
    ("writer", "suffix"), [(write_cyclonedx, "cdx.json"), (write_spdx, "spdx.json")]
)
DEMO = Path(__file__).resolve().parents[3] / "examples" / "demo-image"


def roundtrip(result: ScanResult, writer: Writer, path: Path) -> None:
    path.write_bytes(writer(result))
    inventory, target = read_sbom(path)
    assert result.packages is not None
    assert set(inventory.packages) == set(result.packages)
    assert len(inventory.packages) == len(result.packages)
    assert inventory.distro == result.distro
    assert inventory.unknowns == ()
    for field in (
        "digest",
        "config_digest",
        "manifest_digest",
        "tag",
        "os",
        "architecture",
        "layer_count",
        "size",
    ):
        assert getattr(target, field) == getattr(result.target, field), field
    assert (target.transport, target.reference) == ("sbom", f"sbom:{path}")


@WRITERS
def test_sample_roundtrip(writer: Writer, suffix: str, tmp_path: Path) -> None:
    roundtrip(sample_result(), writer, tmp_path / f"sample.{suffix}")


@pytest.fixture(scope="module")
def demo_result() -> ScanResult:
    """The bundled demo image (Debian debs, old PyPI and npm packages), catalogued for real."""
    options = ScanOptions(hygiene=False, vulnerabilities=True)
    return scan_image(f"oci:{DEMO}:latest", options)


@WRITERS
def test_demo_image_roundtrip(
    demo_result: ScanResult, writer: Writer, suffix: str, tmp_path: Path
) -> None:
    assert demo_result.packages and len(demo_result.packages) >= 8
    types = {p.type for p in demo_result.packages}
    assert {"deb", "pypi", "npm"} <= types
    roundtrip(demo_result, writer, tmp_path / f"demo.{suffix}")


def test_write_read_write_is_stable(tmp_path: Path) -> None:
    """An SBOM read back and written again describes the same packages with the same refs."""
    first = write_cyclonedx(sample_result())
    path = tmp_path / "a.cdx.json"
    path.write_bytes(first)
    inventory, _ = read_sbom(path)
    again = write_cyclonedx(
        ScanResult(
            target=sample_result().target,
            scanned_at="2026-01-01T00:00:00Z",
            caulk_version="0.0.0-test",
            distro=inventory.distro,
            packages=inventory.packages,
        )
    )
    assert again == first
