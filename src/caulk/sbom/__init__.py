"""SBOMs: write CycloneDX and SPDX JSON from a scan, and read them back as an inventory."""

from __future__ import annotations

from caulk.sbom.cyclonedx_out import write_cyclonedx
from caulk.sbom.reader import read_sbom
from caulk.sbom.spdx_out import write_spdx

__all__ = ["read_sbom", "write_cyclonedx", "write_spdx"]
