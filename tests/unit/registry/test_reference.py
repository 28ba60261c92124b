from __future__ import annotations

import pytest

from caulk.errors import UsageError
from caulk.registry.reference import parse_reference

D = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alpine", "docker.io/library/alpine:latest"),
        ("library/alpine:3.18", "docker.io/library/alpine:3.18"),
        ("bitnami/redis", "docker.io/bitnami/redis:latest"),
        ("index.docker.io/library/alpine", "docker.io/library/alpine:latest"),
        ("localhost/app", "localhost/app:latest"),
        ("localhost:5000/team-a/app:1.0", "localhost:5000/team-a/app:1.0"),
        ("127.0.0.1:5000/a/b/c:v1.2.3-rc_1", "127.0.0.1:5000/a/b/c:v1.2.3-rc_1"),
        (f"ghcr.io/o/r@{D}", f"ghcr.io/o/r@{D}"),
        (f"ghcr.io/o/r:1@{D}", f"ghcr.io/o/r:1@{D}"),
        ("[::1]:5000/x", "[::1]:5000/x:latest"),
    ],
)
def test_normalises(text: str, expected: str) -> None:
    assert str(parse_reference(text)) == expected


def test_identifier_prefers_digest() -> None:
    ref = parse_reference(f"ghcr.io/o/r:1@{D}")
    assert ref.identifier == D
    assert parse_reference("alpine").api_host == "registry-1.docker.io"
    assert parse_reference("localhost:5000/a").api_host == "localhost:5000"


@pytest.mark.parametrize(
    "text",
    ["", " alpine", "UPPER/case", "a//b", "http://x/y", "a:", "a@sha256:short", "x/y:" + "t" * 200],
)
def test_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_reference(text)
