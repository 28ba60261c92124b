"""Two registry clients with different RegistryOptions in one process, against the real registry:
each keeps its own settings (no process-wide variable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.errors import Error
from caulk.registry.options import DEFAULT_OPTIONS, new_client
from caulk.registry.reference import Reference
from caulk.sink import draft_from_image, write_image
from caulk.source import open_image
from tests.support import synth
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def test_two_option_sets_in_one_process_do_not_affect_each_other(
    registry: RegistryServer, tmp_path: Path
) -> None:
    img = synth.image([synth.tar([synth.file("/app", b"options" * 100)])])
    layout = synth.write_oci(tmp_path / "layout", img, tag="1")
    dest = f"{registry.host}/team-o/app:1"
    trusting = registry.insecure_options
    with open_image(f"oci:{layout}:1") as image:
        written = write_image(draft_from_image(image), dest, registry=trusting)

    ref = Reference(registry.host, "team-o/app", "1")
    with new_client(trusting) as plain, new_client(DEFAULT_OPTIONS) as verified:
        assert plain.head_manifest(ref) == written.manifest_digest
        with pytest.raises(Error):  # TLS required: this plain-HTTP registry is refused
            verified.head_manifest(ref)
        assert plain.head_manifest(ref) == written.manifest_digest  # still its own settings

    with open_image(dest, registry=trusting) as image:
        with pytest.raises(Error):
            open_image(dest)  # the library default verifies TLS, whatever another caller chose
        assert image.manifest_digest == written.manifest_digest
