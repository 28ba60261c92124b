"""A real registry (distribution 2.8) on 127.0.0.1 for this module, over plain HTTP (pass its
`insecure_options` to trust it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.registry import RegistryServer


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    with RegistryServer.start(tmp_path_factory.mktemp("registry")) as server:
        yield server
