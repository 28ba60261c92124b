"""Java archives: real Debian jars, nested archives built here from them, a local Maven
repository as oracle (its directory layout names every jar's coordinates), zip bombs and junk."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from caulk.catalog.context import catalog_context
from caulk.catalog.dpkg import LIST_ANALYZER
from caulk.catalog.java import ANALYZER, JavaArtifact, JavaCataloger, parse_archive
from caulk.fs.view import view_from_layers
from caulk.model import Unknown
from tests.support import synth
from tests.unit.fs.helpers import index

FIXTURES = Path(__file__).parents[2] / "fixtures" / "catalog" / "java"
# Debian's Maven repository (libmaven3-core-java and its libraries, scripts/system-deps.sh): the
# same `group/artifact/version/artifact-version.jar` layout as ~/.m2, on every machine.
M2 = Path("/usr/share/maven-repo")


def _jar(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_pom_properties_file_name_and_manifest() -> None:
    assert parse_archive("/usr/share/java/commons-cli.jar", _jar("commons-cli.jar")) == (
        JavaArtifact("commons-cli", "commons-cli", "1.5.0"),
    )
    assert parse_archive("/x/aopalliance-1.0.jar", _jar("aopalliance-1.0.jar")) == (
        JavaArtifact("", "aopalliance", "1.0", source="filename"),
    )
    # renamed: no version in the file name, so the OSGi manifest identifies it
    assert parse_archive("/x/inject.jar", _jar("atinject-jsr330-api-1.0.jar")) == (
        JavaArtifact("", "javax.inject", "1.0.0", source="MANIFEST.MF"),
    )
    assert parse_archive("/x/app.jar", _zip({"a.class": b"\xca\xfe"})) == ()


def test_nested_archives_and_shaded_libraries() -> None:
    inner_war = _zip(
        {
            "WEB-INF/lib/commons-cli.jar": _jar("commons-cli.jar"),
            "WEB-INF/lib/aopalliance-1.0.jar": _jar("aopalliance-1.0.jar"),
        }
    )
    ear = _zip(
        {
            "META-INF/maven/com.example/shop/pom.properties": b"# x\ngroupId=com.example\n"
            b"artifactId = shop\nversion:2.0.1\n",
            "shop-web.war": inner_war,
        }
    )
    found = parse_archive("/srv/shop-2.0.1.ear", ear)
    assert found == (
        JavaArtifact("com.example", "shop", "2.0.1"),
        JavaArtifact(
            "commons-cli", "commons-cli", "1.5.0", "shop-web.war!/WEB-INF/lib/commons-cli.jar"
        ),
        JavaArtifact(
            "", "aopalliance", "1.0", "shop-web.war!/WEB-INF/lib/aopalliance-1.0.jar", "filename"
        ),
    )
    # a fat jar whose only pom.properties is a shaded library: the jar itself is reported too
    fat = _zip(
        {
            "META-INF/maven/commons-cli/commons-cli/pom.properties": b"groupId=commons-cli\n"
            b"artifactId=commons-cli\nversion=1.5.0\n"
        }
    )
    assert [a.artifact for a in parse_archive("/app/tool-3.1.jar", fat)] == ["commons-cli", "tool"]


def test_every_jar_of_a_maven_repository_is_identified() -> None:
    """`group/artifact/version/artifact-version.jar`: the layout is the oracle."""
    assert M2.is_dir(), f"{M2} is missing: bash scripts/system-deps.sh (libmaven3-core-java)"
    checked, misses = 0, []
    for jar in sorted(M2.rglob("*.jar")):
        *group, artifact, version, _ = jar.relative_to(M2).parts
        if jar.name != f"{artifact}-{version}.jar" or version == "debian" or version.endswith(".x"):
            continue  # classifiers (-sources) and Debian's alias versions are not coordinates
        checked += 1
        found = parse_archive(str(jar), jar.read_bytes())
        if not any(
            a.artifact == artifact and a.version == version and a.group in (".".join(group), "")
            for a in found
        ):
            misses.append((jar.name, found[:2]))
    assert checked >= 50 and misses == []


def test_zip_bombs_and_junk_raise_value_error() -> None:
    bomb = _zip({"lib/huge.jar": b"\0" * (8 << 20)})
    with pytest.raises(ValueError, match="zip bomb"):
        parse_archive("/x/a.jar", bomb)
    with pytest.raises(ValueError, match="not a readable zip"):
        parse_archive("/x/a.jar", b"\x7fELF" + b"\0" * 100)
    with pytest.raises(ValueError, match="not a readable zip"):
        parse_archive("/x/a.jar", _jar("commons-cli.jar")[:20000])
    nested_junk = _zip({"WEB-INF/lib/broken.jar": b"PK\x03\x04 junk"})
    with pytest.raises(ValueError, match=r"WEB-INF/lib/broken\.jar"):
        parse_archive("/x/a.war", nested_junk)


def test_cataloger_names_purls_ownership_unknowns() -> None:
    layer = synth.tar(
        [
            synth.file("/app/lib/commons-cli.jar", _jar("commons-cli.jar")),
            synth.file(
                "/app/app.war",
                _zip({"WEB-INF/lib/aopalliance-1.0.jar": _jar("aopalliance-1.0.jar")}),
            ),
            synth.file("/usr/share/java/commons-cli.jar", _jar("commons-cli.jar")),
            synth.file(
                "/var/lib/dpkg/info/libcommons-cli-java.list", b"/usr/share/java/commons-cli.jar\n"
            ),
            synth.file("/app/lib/fake.jar", b"#!/bin/sh\nnot a jar\n"),
        ]
    )
    li = index(layer, 0, (ANALYZER, LIST_ANALYZER))
    items = list(JavaCataloger().catalog(catalog_context(view_from_layers([li]), None)))
    packages = sorted((p for p in items if not isinstance(p, Unknown)), key=lambda p: p.name)
    assert [
        (p.name, p.version, p.purl, p.locations[0].path, p.locations[0].field) for p in packages
    ] == [
        (
            "aopalliance",
            "1.0",
            "pkg:maven/aopalliance@1.0",
            "/app/app.war",
            "WEB-INF/lib/aopalliance-1.0.jar",
        ),
        (
            "commons-cli:commons-cli",
            "1.5.0",
            "pkg:maven/commons-cli/commons-cli@1.5.0",
            "/app/lib/commons-cli.jar",
            None,
        ),
    ]
    assert all(p.ecosystem == "Maven" and p.type == "maven" for p in packages)
    bad = [u for u in li.unknowns if u.location.path == "/app/lib/fake.jar"]
    assert len(bad) == 1 and "not a readable zip" in bad[0].reason
