""".NET deps.json: a real one (pythonnet 3.2.1's Python.Runtime.deps.json from its PyPI wheel),
project and package entries, junk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caulk.catalog.context import catalog_context
from caulk.catalog.dotnet import ANALYZER, CATALOGER, parse_deps_json
from caulk.fs.view import view_from_layers
from caulk.model import Unknown
from tests.support import synth
from tests.unit.fs.helpers import index

DEPS = (
    Path(__file__).parents[2] / "fixtures" / "catalog" / "dotnet" / "Python.Runtime.deps.json"
).read_bytes()


def test_real_deps_json_packages_only() -> None:
    found = parse_deps_json("x", DEPS)
    libraries = json.loads(DEPS)["libraries"]
    expected = sorted(k for k, v in libraries.items() if v["type"] == "package")
    assert sorted(f"{f.name}/{f.version}" for f in found) == expected
    assert "Microsoft.CSharp/4.7.0" in expected and len(expected) >= 5
    assert not any(f.name == "Python.Runtime" for f in found)  # the project itself


def test_junk() -> None:
    with pytest.raises(ValueError, match="libraries"):
        parse_deps_json("x", b'{"runtimeTarget": {}}')
    with pytest.raises(ValueError, match="NAME/VERSION"):
        parse_deps_json("x", b'{"libraries": {"Foo": {"type": "package"}}}')
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_deps_json("x", b"\xff\xfe garbage")
    assert parse_deps_json("x", b'\xef\xbb\xbf{"libraries": {}}') == ()  # BOM, as dotnet writes


def test_cataloger() -> None:
    layer = synth.tar([synth.file("/app/Python.Runtime.deps.json", DEPS)])
    li = index(layer, 0, (ANALYZER,))
    ctx = catalog_context(view_from_layers([li]), None)
    items = [p for p in CATALOGER.catalog(ctx) if not isinstance(p, Unknown)]
    csharp = next(p for p in items if p.name == "Microsoft.CSharp")
    assert (csharp.version, csharp.purl, csharp.ecosystem, csharp.type) == (
        "4.7.0",
        "pkg:nuget/Microsoft.CSharp@4.7.0",
        "NuGet",
        "nuget",
    )
    assert csharp.locations[0].field == "libraries.Microsoft.CSharp/4.7.0"
