from __future__ import annotations

import pytest

from caulk.vulndb.names import is_known_ecosystem, normalize_name


@pytest.mark.parametrize(
    ("ecosystem", "name", "expected"),
    [
        ("PyPI", "PyYAML", "pyyaml"),
        ("PyPI", "oslo.utils", "oslo-utils"),
        ("PyPI", "jw.util", "jw-util"),
        ("PyPI", "Foo__Bar-.baz", "foo-bar-baz"),
        ("npm", "JSONStream", "jsonstream"),
        ("Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"),
        ("Debian:12", "util-linux", "util-linux"),
        ("Alpine:v3.11", "R", "R"),
        ("Maven", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-core"),
    ],
)
def test_normalize_name(ecosystem: str, name: str, expected: str) -> None:
    assert normalize_name(ecosystem, name) == expected


def test_known_ecosystems_use_the_base_name() -> None:
    assert is_known_ecosystem("Debian:12")
    assert is_known_ecosystem("Alpine:v3.19")
    assert not is_known_ecosystem("Plan9Ports")
