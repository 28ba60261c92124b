"""`caulk db push` / `caulk db update --from` through the real CNCF registry (distribution 2.8):
round trip with a cosign signature, a wrong key, an unsigned tag, a tampered blob, a foreign
artifact and a resumed download. Every failure leaves the installed database untouched."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from caulk.cli.main import main
from caulk.signing.keys import generate_key_pair
from caulk.vulndb.auto import prepare_store
from caulk.vulndb.oci import ARTIFACT_TYPE, LAYER_MEDIA_TYPE
from caulk.vulndb.store import SourceFile, build_store, open_store
from tests.support.registry import RegistryServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "advisories-import"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    with RegistryServer.start(tmp_path_factory.mktemp("registry")) as server:
        yield server


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAULK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CAULK_DB", raising=False)
    monkeypatch.setenv("CAULK_PASSWORD", "pw")


@pytest.fixture
def source_db(tmp_path: Path) -> Path:
    path = tmp_path / "built.sqlite"
    build_store(
        path,
        [
            SourceFile("osv-pypa", FIXTURES / "osv-pypa"),
            SourceFile("osv-go", FIXTURES / "osv-go"),
        ],
    )
    return path


def keys(tmp_path: Path, name: str) -> tuple[Path, Path]:
    pair = generate_key_pair(b"pw")
    (tmp_path / f"{name}.key").write_bytes(pair.private_pem)
    (tmp_path / f"{name}.pub").write_bytes(pair.public_pem)
    return tmp_path / f"{name}.key", tmp_path / f"{name}.pub"


def caulk(*args: str | Path) -> int:
    with pytest.raises(SystemExit) as exited:
        main([str(a) for a in args])
    return int(exited.value.code or 0)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def push(registry: RegistryServer, db: Path, tag: str) -> str:
    ref = f"{registry.host}/caulk/vulndb:{tag}"
    assert caulk("db", "--db", db, "push", ref, "--insecure-registry", registry.host) == 0
    return ref


def pull(registry: RegistryServer, db: Path, ref: str, *extra: str | Path) -> int:
    return caulk(
        "db", "--db", db, "update", "--from", ref, *extra, "--insecure-registry", registry.host
    )


def installed(tmp_path: Path) -> Path:
    """A database already in place (what every failure must leave alone)."""
    path = tmp_path / "installed.sqlite"
    build_store(path, [SourceFile("osv-pypa", FIXTURES / "osv-pypa")])
    return path


def test_push_sign_and_pull_round_trip(
    registry: RegistryServer,
    source_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ref = push(registry, source_db, "1")
    out = capsys.readouterr().out
    assert f"as {ARTIFACT_TYPE}" in out and f"{ref}@sha256:" in out
    private, public = keys(tmp_path, "cosign")
    assert caulk("sign", ref, "--key", private, "--insecure-registry", registry.host) == 0
    capsys.readouterr()
    target = tmp_path / "fleet" / "vulndb.sqlite"
    assert pull(registry, target, ref, "--key", public) == 0
    out = capsys.readouterr().out
    assert "signature verified" in out and "installed" in out
    assert sha(target) == sha(source_db)  # the very database that was pushed
    assert {s.location for s in open_store(target).sources()} == {"osv-pypa", "osv-go"}
    state = json.loads((target.parent / "vulndb.sqlite.auto-update.json").read_text())
    assert state["pulled_from"] == ref

    # A day later a scan's automatic update pulls the mirror again (verified with the same key),
    # never the public feeds.
    monkeypatch.setenv("CAULK_DB", str(target))
    monkeypatch.setenv("CAULK_DB_AUTO_UPDATE", "true")
    later = datetime.fromisoformat(state["checked_at"]) + timedelta(hours=25)
    (line,) = prepare_store(now=lambda: later, registry=registry.insecure_options).lines
    assert line.startswith(f"advisory database updated automatically from {ref}")
    assert "signature verified" in line


def test_a_wrong_key_or_an_unsigned_tag_fails_the_gate_and_changes_nothing(
    registry: RegistryServer, source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = push(registry, source_db, "wrong-key")
    private, _ = keys(tmp_path, "signer")
    _, other = keys(tmp_path, "other")
    assert caulk("sign", ref, "--key", private, "--insecure-registry", registry.host) == 0
    db = installed(tmp_path)
    before = sha(db)
    capsys.readouterr()
    assert pull(registry, db, ref, "--key", other) == 1
    assert "signature does not verify with this key" in capsys.readouterr().err
    unsigned = push(registry, source_db, "unsigned")
    assert pull(registry, db, unsigned, "--key", other) == 1
    assert sha(db) == before


def _blob(registry: RegistryServer, digest: str) -> Path:
    hexdigest = digest.removeprefix("sha256:")
    return registry.root / "docker/registry/v2/blobs/sha256" / hexdigest[:2] / hexdigest / "data"


def _layer_digest(registry: RegistryServer, ref: str) -> tuple[str, int]:
    import httpx

    repo, tag = ref.split("/", 1)[1].rsplit(":", 1)
    manifest = httpx.get(
        f"{registry.url}/v2/{repo}/manifests/{tag}",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
    ).json()
    (layer,) = manifest["layers"]
    assert layer["mediaType"] == LAYER_MEDIA_TYPE and manifest["artifactType"] == ARTIFACT_TYPE
    return layer["digest"], layer["size"]


def test_a_tampered_blob_is_refused_and_nothing_is_installed(
    registry: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "own.sqlite"  # its own content: a blob no other test shares
    build_store(own, [SourceFile("osv-go", FIXTURES / "osv-go")])
    ref = push(registry, own, "tampered")
    digest, _ = _layer_digest(registry, ref)
    blob = _blob(registry, digest)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped bit in the registry's storage
    blob.write_bytes(bytes(data))
    db = installed(tmp_path)
    before = sha(db)
    capsys.readouterr()
    assert pull(registry, db, ref) == 2
    assert "layer does not match its digest" in capsys.readouterr().err
    assert sha(db) == before
    assert not list((tmp_path / "cache" / "feeds" / "oci").glob("*.part"))  # discarded


def test_an_image_is_not_taken_for_a_database(
    registry: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support import synth

    layout = synth.oci_layout(tmp_path / "img", [synth.tar([synth.file("/a", b"a")])])
    ref = f"{registry.host}/caulk/not-a-db:1"
    assert caulk("copy", f"oci:{layout}", ref, "--insecure-registry", registry.host) == 0
    db = installed(tmp_path)
    before = sha(db)
    capsys.readouterr()
    assert pull(registry, db, ref) == 2
    assert "not a caulk advisory database" in capsys.readouterr().err
    assert sha(db) == before


def test_an_interrupted_pull_resumes_with_a_range_request(
    registry: RegistryServer, source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = push(registry, source_db, "resume")
    digest, size = _layer_digest(registry, ref)
    part = tmp_path / "cache" / "feeds" / "oci" / f"{digest.removeprefix('sha256:')}.part"
    part.parent.mkdir(parents=True)
    blob = _blob(registry, digest).read_bytes()
    part.write_bytes(b"\0" * (size // 2))  # kept bytes that went bad: caught by the digest
    target = tmp_path / "fleet.sqlite"
    assert pull(registry, target, ref) == 2 and not target.exists() and not part.exists()
    part.write_bytes(blob[: size // 2])  # an honest earlier interruption
    capsys.readouterr()
    assert pull(registry, target, ref) == 0
    assert f"resumed at byte {size // 2}" in capsys.readouterr().out
    assert sha(target) == sha(source_db)


def test_a_missing_tag_or_a_missing_database_is_one_clear_line(
    registry: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = installed(tmp_path)
    before = sha(db)
    code = pull(registry, db, f"{registry.host}/caulk/vulndb:no-such-tag")
    err = capsys.readouterr().err
    # the registry says 404: operational, as for an image (exit 3)
    assert code == 3 and err.count("\n") == 1 and "no-such-tag" in err, (code, err)
    assert "Traceback" not in err and sha(db) == before
    missing = tmp_path / "missing.sqlite"
    ref = f"{registry.host}/caulk/vulndb:x"
    assert caulk("db", "--db", missing, "push", ref, "--insecure-registry", registry.host) == 3
    assert "no advisory database here" in capsys.readouterr().err and not missing.exists()
