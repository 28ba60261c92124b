"""Lifecycle policies against the real registry (distribution 2.8): push log recorded from the
registry's own notifications, preview, apply, and the registry's word on what is gone."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import http.server
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from caulk.policy.lifecycle import Action, ArtifactFacts, ImageFacts, make_plan, parse_policy
from caulk.registry.client import RegistryClient
from caulk.registry.lifecycle import apply_plan, gather
from caulk.registry.pushlog import PushLog
from caulk.registry.reference import Reference
from tests.conftest import CaulkRun
from tests.support.registry import RegistryServer, free_port

pytestmark = pytest.mark.integration

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE = "application/vnd.dsse.envelope.v1+json"
REPO = "team/app"
POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "keep the two newest releases",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["release"],
                "countType": "imageCountMoreThan",
                "countNumber": 2,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": "untagged for more than a day",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 3,
            "description": "keep three images overall",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3},
            "action": {"type": "expire"},
        },
    ]
}


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _push(
    client: RegistryClient,
    host: str,
    repo: str,
    tag: str,
    seed: str,
    *,
    created: str = "2024-01-01T00:00:00Z",
    layer_type: str = "application/vnd.oci.image.layer.v1.tar+gzip",
) -> str:
    layer = gzip.compress(seed.encode() * 100, mtime=0)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": created,
            "rootfs": {"type": "layers", "diff_ids": [_digest(gzip.decompress(layer))]},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": _digest(config),
                "size": len(config),
            },
            "layers": [{"mediaType": layer_type, "digest": _digest(layer), "size": len(layer)}],
        }
    ).encode()
    for blob in (layer, config):
        client.push_blob(host, repo, _digest(blob), len(blob), functools.partial(io.BytesIO, blob))
    return client.put_manifest(Reference(host, repo, tag), manifest, OCI_MANIFEST)


def _sign(client: RegistryClient, host: str, repo: str, subject: str, suffix: str = "sig") -> str:
    """A cosign-shaped artifact under cosign's tag scheme."""
    layer_type = SIMPLESIGNING if suffix == "sig" else DSSE
    tag = subject.replace(":", "-") + "." + suffix
    return _push(client, host, repo, tag, f"{suffix} of {subject}", layer_type=layer_type)


class _Receiver(http.server.BaseHTTPRequestHandler):
    push_log: PushLog

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.push_log.record_events(body, self.headers.get("Content-Type", ""))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _registry_with_push_log(tmp: Path) -> Iterator[tuple[RegistryServer, PushLog]]:
    """The real registry sending its notifications to a receiver in this test, which records
    them with `PushLog.record_events` (what `caulk serve` will do)."""
    push_log = PushLog(tmp / "pushlog.sqlite")
    handler = type("Receiver", (_Receiver,), {"push_log": push_log})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/events"
    try:
        with RegistryServer.start(tmp / "registry", notifications_url=url) as registry:
            yield registry, push_log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _client(registry: RegistryServer, retries: int = 1) -> RegistryClient:
    return RegistryClient(insecure=frozenset({registry.host}), retries=retries, backoff=0.01)


def _populate(client: RegistryClient, host: str, repo: str, push_log: PushLog) -> dict[str, str]:
    """Seven images pushed in order (config `created` a day apart in 2024), signatures on the
    releases, and `latest` moved from img6 to img7 so img6 is left untagged."""
    d: dict[str, str] = {}
    for n, tag in enumerate(["release-1", "release-2", "release-3", "dev-1", "dev-2"], start=1):
        d[f"img{n}"] = _push(client, host, repo, tag, f"img{n}", created=f"2024-01-0{n}T00:00:00Z")
    for n in (1, 2, 3):
        d[f"sig{n}"] = _sign(client, host, repo, d[f"img{n}"])
    d["att3"] = _sign(client, host, repo, d["img3"], "att")
    d["img6"] = _push(client, host, repo, "latest", "img6", created="2024-01-06T00:00:00Z")
    d["img7"] = _push(client, host, repo, "latest", "img7", created="2024-01-07T00:00:00Z")
    client.put_manifest(
        Reference(host, repo, "dev-3"),
        client.get_manifest(Reference(host, repo, None, d["img7"])).body,
        OCI_MANIFEST,
    )
    deadline = time.monotonic() + 10
    while not set(d.values()) <= set(push_log.records(repo)):
        assert time.monotonic() < deadline, "the registry's notifications did not arrive"
        time.sleep(0.05)
    return d


EXPECTED_EXPIRED = {"img1": 1, "sig1": 1, "img6": 2, "img4": 3}
EXPECTED_KEPT = {"img2", "img3", "img5", "img7", "sig2", "sig3", "att3"}


def _exists(client: RegistryClient, host: str, repo: str, digest: str) -> bool:
    return client.head_manifest(Reference(host, repo, None, digest)) is not None


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RegistryServer, PushLog]]:
    with _registry_with_push_log(tmp_path_factory.mktemp("lifecycle")) as pair:
        yield pair


def _later() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()


def test_preview_then_apply_with_push_log(
    env: tuple[RegistryServer, PushLog],
    tmp_path: Path,
    run_caulk: Callable[..., CaulkRun],
) -> None:
    registry, push_log = env
    repo = "team/app"
    with _client(registry) as client:
        d = _populate(client, registry.host, repo, push_log)
    names = {v: k for k, v in d.items()}
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY))
    args = [
        "registry",
        "lifecycle",
        "--policy",
        policy,
        f"{registry.host}/{repo}",
        "--push-log",
        push_log.path,
        "--now",
        _later(),
        "--insecure-registry",
        registry.host,
    ]

    preview = run_caulk(*args, "--format", "json")
    assert preview.code == 0, preview
    doc = preview.json()
    expired = {names[r["imageDigest"]]: r["appliedRulePriority"] for r in doc["previewResults"]}
    assert expired == EXPECTED_EXPIRED
    assert {names[r["imageDigest"]] for r in doc["retained"]} == EXPECTED_KEPT
    assert doc["summary"]["expiringImageTotalCount"] == 3
    assert doc["summary"]["expiringArtifactTotalCount"] == 1
    assert not any(r["pushedAtEstimated"] for r in doc["previewResults"] + doc["retained"])
    untagged = next(r for r in doc["previewResults"] if r["imageDigest"] == d["img6"])
    assert untagged["imageTags"] == []
    sig = next(r for r in doc["previewResults"] if r["imageDigest"] == d["sig1"])
    assert sig["artifactType"] == "signature"
    assert sig["subjectDigest"] == d["img1"]
    with _client(registry) as client:
        assert all(_exists(client, registry.host, repo, digest) for digest in d.values())

    table = run_caulk(*args)
    assert table.code == 0, table
    assert "preview only: nothing deleted" in table.stdout
    assert "EXPIRE" in table.stdout and "[signature]" in table.stdout

    applied = run_caulk(*args, "--apply", "--format", "json")
    assert applied.code == 0, applied
    report = applied.json()["apply"]
    assert {names[x] for x in report["deleted"]} == set(EXPECTED_EXPIRED)
    assert report["refused"] == [] and report["failed"] is None
    assert report["deleted"].index(d["sig1"]) < report["deleted"].index(d["img1"])
    with _client(registry) as client:
        for name, digest in d.items():
            assert _exists(client, registry.host, repo, digest) == (name in EXPECTED_KEPT), name
        tags = set(client.list_tags(registry.host, repo))
    sig_tags = {d[f"img{n}"].replace(":", "-") + ".sig" for n in (2, 3)}
    att_tag = d["img3"].replace(":", "-") + ".att"
    assert tags == {"release-2", "release-3", "dev-2", "dev-3", "latest", *sig_tags, att_tag}

    again = run_caulk(*args, "--format", "json")  # converged: the same policy expires nothing new
    assert again.code == 0, again
    assert again.json()["previewResults"] == []


def test_without_push_log_times_are_estimated_from_config(
    env: tuple[RegistryServer, PushLog],
) -> None:
    registry, push_log = env
    repo = "team/estimate"
    with _client(registry) as client:
        d = _populate(client, registry.host, repo, push_log)
        facts = gather(client, registry.host, repo)
    images = {img.digest: img for img in facts.images}
    assert d["img6"] not in images  # untagged: invisible without the push log
    assert set(images) == {d[f"img{n}"] for n in (1, 2, 3, 4, 5, 7)}
    assert all(img.estimated for img in images.values())
    assert images[d["img4"]].pushed_at == dt.datetime(2024, 1, 4, tzinfo=dt.UTC)
    assert any("no push log" in note for note in facts.notes)
    assert {a.digest: a.subject for a in facts.artifacts} == {
        d["sig1"]: d["img1"],
        d["sig2"]: d["img2"],
        d["sig3"]: d["img3"],
        d["att3"]: d["img3"],
    }


def test_apply_refuses_a_digest_that_gained_a_tag(env: tuple[RegistryServer, PushLog]) -> None:
    registry, push_log = env
    repo = "team/race"
    host = registry.host
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with _client(registry) as client:
        d = _populate(client, host, repo, push_log)
        plan = make_plan(
            *_facts(client, host, repo, push_log), parse_policy(json.dumps(POLICY)), now
        )
        assert {x.digest for x in plan.expired} == {d[n] for n in EXPECTED_EXPIRED}
        body = client.get_manifest(Reference(host, repo, None, d["img1"])).body
        client.put_manifest(Reference(host, repo, "hotfix"), body, OCI_MANIFEST)  # after preview

        report = apply_plan(client, host, repo, plan)

        refused = {x.digest: why for x, why in report.refused}
        assert set(refused) == {d["img1"], d["sig1"]}
        assert "hotfix" in refused[d["img1"]]
        assert {x.digest for x in report.deleted} == {d["img4"], d["img6"]}
        assert _exists(client, host, repo, d["img1"]) and _exists(client, host, repo, d["sig1"])

        forced = apply_plan(client, host, repo, plan, allow_untag_others=True)
        assert {x.digest for x in forced.deleted} == {d["img1"], d["sig1"]}
        assert {x.digest for x in forced.already_gone} == {d["img4"], d["img6"]}
        assert "hotfix" not in client.list_tags(host, repo)


def _facts(
    client: RegistryClient, host: str, repo: str, push_log: PushLog
) -> tuple[tuple[ImageFacts, ...], tuple[ArtifactFacts, ...]]:
    facts = gather(client, host, repo, push_log=push_log)
    return facts.images, facts.artifacts


def test_a_failure_stops_and_says_what_is_left(tmp_path: Path) -> None:
    repo = "team/fail"
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with _registry_with_push_log(tmp_path) as (registry, push_log):
        with _client(registry, retries=0) as client:
            d = _populate(client, registry.host, repo, push_log)
            facts = gather(client, registry.host, repo, push_log=push_log)
            plan = make_plan(facts.images, facts.artifacts, parse_policy(json.dumps(POLICY)), now)

            def stop_registry(decision: object) -> None:
                registry.process.terminate()
                registry.process.wait(timeout=10)

            report = apply_plan(client, registry.host, repo, plan, on_delete=stop_registry)
    assert [x.digest for x in report.deleted] == [d["sig1"]]  # signature first, then registry down
    assert report.failed is not None
    assert report.failed[0].digest == d["img1"]
    assert "ConnectError" in report.failed[1]
    assert [x.digest for x in report.remaining] == [d["img4"], d["img6"]]
    assert all(x.action is Action.EXPIRE for x in report.remaining)
    with RegistryServer.start(tmp_path / "registry") as again:  # same storage, new process
        with _client(again) as client:
            assert not _exists(client, again.host, repo, d["sig1"])
            for name in ("img1", "img4", "img6", "img2", "sig2"):
                assert _exists(client, again.host, repo, d[name]), name


def test_bad_policy_is_exit_2_and_touches_nothing(
    env: tuple[RegistryServer, PushLog], tmp_path: Path, run_caulk: Callable[..., CaulkRun]
) -> None:
    registry, _ = env
    policy = tmp_path / "bad.json"
    rules = [dict(r) for r in POLICY["rules"]]
    rules[1] = {**rules[1], "rulePriority": 1}
    policy.write_text(json.dumps({"rules": rules}))
    result = run_caulk(
        "registry",
        "lifecycle",
        "--policy",
        policy,
        f"{registry.host}/team/app",
        "--apply",
        "--insecure-registry",
        registry.host,
    )
    assert result.code == 2, result
    assert result.stderr.strip() == (
        f"caulk: {policy}: rulePriority 1 is used by more than one rule; "
        "each rule needs a unique rulePriority"
    )
    usage = run_caulk("registry", "lifecycle", "--policy", policy, f"{registry.host}/team/app:1")
    assert usage.code == 2
    assert "without tag or digest" in usage.stderr


def test_a_manifest_listed_by_a_kept_index_is_not_deleted(
    env: tuple[RegistryServer, PushLog],
) -> None:
    registry, push_log = env
    repo, host = "team/multi", registry.host
    with _client(registry) as client:
        amd64 = _push(client, host, repo, "multi-amd64", "amd64")
        arm64_body = client.get_manifest(Reference(host, repo, None, amd64)).body.replace(
            b'"amd64"', b'"amd64" '
        )
        arm64 = client.put_manifest(
            Reference(host, repo, None, _digest(arm64_body)), arm64_body, OCI_MANIFEST
        )
        index = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [
                    {"mediaType": OCI_MANIFEST, "digest": amd64, "size": 1},
                    {"mediaType": OCI_MANIFEST, "digest": arm64, "size": 1},
                ],
            }
        ).encode()
        index_digest = client.put_manifest(Reference(host, repo, "multi"), index, OCI_INDEX)
        deadline = time.monotonic() + 10
        while not {amd64, arm64, index_digest} <= set(push_log.records(repo)):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        policy = parse_policy(
            json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "selection": {
                                "tagStatus": "tagged",
                                "tagPatternList": ["multi-*"],
                                "countType": "sinceImagePushed",
                                "countUnit": "days",
                                "countNumber": 1,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            )
        )
        facts = gather(client, host, repo, push_log=push_log)
        assert {i.digest for i in facts.images} == {amd64, index_digest}  # arm64: part of the index
        plan = make_plan(
            facts.images, facts.artifacts, policy, dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        )
        assert [d.digest for d in plan.expired] == [amd64]
        held = facts.held_by_kept_indexes(plan)
        report = apply_plan(client, host, repo, plan, allow_untag_others=True, held=held)
        assert [d.digest for d, _ in report.refused] == [amd64]
        assert index_digest in report.refused[0][1]
        assert _exists(client, host, repo, amd64)
