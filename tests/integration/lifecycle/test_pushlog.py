"""The push log on envelopes shaped like distribution 2.8's (captured from the real registry:
one event per blob and per manifest, pulls, manifest deletes with only a digest, tag deletes with
only a tag). End-to-end delivery by the real registry is in test_lifecycle_registry.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from caulk.errors import InputError
from caulk.registry.pushlog import EVENTS_V1, EVENTS_V2, PushLog

M1 = "sha256:" + "1" * 64
M2 = "sha256:" + "2" * 64
BLOB = "sha256:" + "b" * 64
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _event(n: int, action: str, at: str, **target: Any) -> dict[str, Any]:
    return {"id": f"ev-{n}", "timestamp": at, "action": action, "target": target}


def _push(
    n: int, digest: str, at: str, tag: str | None = None, repo: str = "t/app"
) -> dict[str, Any]:
    target: dict[str, Any] = {
        "mediaType": MANIFEST,
        "digest": digest,
        "repository": repo,
        "url": f"http://127.0.0.1:5000/v2/{repo}/manifests/{digest}",
    }
    if tag:
        target["tag"] = tag
    return _event(n, "push", at, **target)


def _body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


@pytest.fixture
def log(tmp_path: Path) -> PushLog:
    return PushLog(tmp_path / "push.sqlite")


def test_manifest_pushes_are_kept_blobs_and_pulls_are_not(log: PushLog) -> None:
    blob = _event(
        1,
        "push",
        "2026-11-29T05:05:32.495380085Z",
        mediaType="application/octet-stream",
        digest=BLOB,
        repository="t/app",
        url=f"http://x/v2/t/app/blobs/{BLOB}",
    )
    pull = {**_push(4, M1, "2026-11-29T05:06:00Z", "1.0"), "action": "pull"}
    stored = log.record_events(
        _body(
            blob,
            _push(2, M1, "2026-11-29T05:05:32.584859451Z", "1.0"),
            _push(3, M1, "2026-11-29T05:05:33.1Z", "latest"),
            pull,
        ),
        EVENTS_V1,
    )
    assert stored == 2
    records = log.records("t/app")
    assert set(records) == {M1}
    assert records[M1].pushed_at == dt.datetime(2026, 11, 29, 5, 5, 32, 584859, tzinfo=dt.UTC)
    assert records[M1].tags == ("1.0", "latest")
    assert log.records("other/repo") == {}


def test_redelivered_events_are_stored_once(log: PushLog) -> None:
    body = _body(_push(1, M1, "2026-11-29T05:00:00Z", "a"))
    assert log.record_events(body, EVENTS_V1) == 1
    assert log.record_events(body, f"{EVENTS_V1}; charset=utf-8") == 0


def test_delete_then_push_again_restarts_the_clock(log: PushLog) -> None:
    log.record_events(
        _body(
            _push(1, M1, "2026-01-01T00:00:00Z", "a"),
            _push(2, M2, "2026-01-02T00:00:00+01:00", "b"),
            _event(3, "delete", "2026-01-03T00:00:00Z", digest=M1, repository="t/app"),
            _event(4, "delete", "2026-01-03T00:00:01Z", tag="a", repository="t/app"),
        ),
        EVENTS_V2,
    )
    assert set(log.records("t/app")) == {M2}
    assert log.records("t/app")[M2].pushed_at == dt.datetime(2026, 1, 1, 23, tzinfo=dt.UTC)
    log.record_events(_body(_push(5, M1, "2026-02-01T00:00:00Z", "a")), EVENTS_V1)
    assert log.records("t/app")[M1].pushed_at == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)


def test_events_without_time_or_repository_are_skipped(log: PushLog) -> None:
    bad_time = _push(1, M1, "yesterday", "a")
    no_repo = _push(2, M2, "2026-01-01T00:00:00Z", "b")
    del no_repo["target"]["repository"]
    naive = _push(3, M2, "2026-01-01T00:00:00", "c")
    assert log.record_events(_body(bad_time, no_repo, naive, "junk"), EVENTS_V1) == 0  # type: ignore[arg-type]
    year_10000 = _push(4, M2, "9999-12-31T23:59:59-01:00", "d")  # issue 9: overflowed in UTC
    assert log.record_events(_body(year_10000), EVENTS_V1) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"{}", "text/html", "unexpected content type"),
        (b"<html>", EVENTS_V1, "not valid JSON"),
        (b'{"events": {}}', EVENTS_V1, "no 'events' array"),
        (b"[]", EVENTS_V1, "no 'events' array"),
        (b'{"events": ' + b"[" * 5000 + b"]" * 5000 + b"}", EVENTS_V1, "nested more than"),
    ],
)
def test_bad_envelopes(log: PushLog, body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        log.record_events(body, content_type)
    assert info.value.where == "registry notification"
