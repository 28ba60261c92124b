"""A scan's automatic database update, against real-format feeds on 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from caulk.cli.main import main
from caulk.vulndb.auto import auto_update_enabled, prepare_store
from caulk.vulndb.defaults import embedded_notice
from caulk.vulndb.feeds import Feed
from caulk.vulndb.paths import default_db_path, feeds_dir
from tests.unit.vulndb.feed_server import Feeds, serve
from tests.unit.vulndb.test_update import osv_zip

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SUITE_SETTING = os.environ.get("CAULK_DB_AUTO_UPDATE")  # before this module's fixture changes it
_real_getaddrinfo = socket.getaddrinfo


def _loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise AssertionError(f"a test tried to reach {host}: only 127.0.0.1 is allowed")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _auto_update_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _loopback_only)
    monkeypatch.setenv("CAULK_DB_AUTO_UPDATE", "true")


@pytest.fixture
def server(fixtures: Path) -> Iterator[Feeds]:
    with serve(Feeds(files={"/PyPI/all.zip": osv_zip(fixtures / "osv-pypa")})) as running:
        yield running


def feeds(server: Feeds) -> list[Feed]:
    return [Feed(server.url + path) for path in sorted(server.files)]


def ids(store: Any, ecosystem: str, name: str) -> set[str]:
    return {adv.id for adv, _ in store.affecting(ecosystem, name)}


def test_the_test_suite_never_updates_from_the_public_feeds(
    server: Feeds, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tests/conftest.py sets it for every test and every caulk subprocess; only this module's
    # fixture turns it on, against 127.0.0.1.
    assert SUITE_SETTING == "false"
    monkeypatch.setenv("CAULK_DB_AUTO_UPDATE", SUITE_SETTING)
    assert not auto_update_enabled()
    assert prepare_store(now=lambda: T0, feeds=feeds(server)).lines == ()
    assert server.requests == [] and not default_db_path().exists()


def test_first_scan_seeds_from_embedded_data_and_takes_over_the_ecosystems_it_fetched(
    server: Feeds,
) -> None:
    assert not default_db_path().exists()
    result = prepare_store(now=lambda: T0, feeds=feeds(server))
    assert len(result.lines) == 1
    assert result.lines[0].startswith("advisory database updated automatically in ")
    assert "1 of 1 feeds current, 1 re-imported" in result.lines[0]
    store = result.store
    assert store.path == default_db_path()
    # PyPI now comes from the fetched feed only (the fixture has 2 PyYAML records, the embedded
    # data more); Go, Debian and Alpine still come from the embedded data.
    assert ids(store, "PyPI", "PyYAML") == {"PYSEC-2018-49", "PYSEC-2020-176"}
    assert "GO-2023-2102" in ids(store, "Go", "stdlib")
    assert "DSA-5343-1" in ids(store, "Debian:11", "openssl")
    locations = {s.location for s in store.sources()}
    assert "embedded/pypa.zip" not in locations and "embedded/go-vulndb.zip" in locations
    notice = embedded_notice(store) or ""
    assert "go-vulndb.zip 2026-08-21" in notice and "pypa.zip" not in notice


def test_within_24_hours_nothing_is_fetched_then_a_conditional_request(server: Feeds) -> None:
    prepare_store(now=lambda: T0, feeds=feeds(server))
    server.requests.clear()
    later = prepare_store(now=lambda: T0 + timedelta(hours=23), feeds=feeds(server))
    assert later.lines == () and server.requests == []
    next_day = prepare_store(now=lambda: T0 + timedelta(hours=25), feeds=feeds(server))
    assert [h.get("if-none-match") is not None for _, h in server.requests] == [True]
    assert "1 of 1 feeds current, 0 re-imported" in next_day.lines[0]


def test_unreachable_feeds_leave_the_data_alone_say_how_old_and_back_off(server: Feeds) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/PyPI/all.zip"
    result = prepare_store(now=lambda: T0, feeds=[Feed(dead)])
    assert not default_db_path().exists()  # nothing written but the attempt's time
    (line,) = result.lines
    assert line.startswith("advisory feeds unreachable: no feed could be fetched (http://127.0.0")
    assert line.endswith("; using caulk's embedded advisory data, cut-off 2020 to 2026-08-21")
    assert result.store.path.name.startswith("vulndb-embedded-")
    # Tried again only after an hour, not on every scan.
    assert prepare_store(now=lambda: T0 + timedelta(minutes=30), feeds=feeds(server)).lines == ()
    assert server.requests == []
    again = prepare_store(now=lambda: T0 + timedelta(minutes=61), feeds=feeds(server))
    assert "updated automatically" in again.lines[0] and len(server.requests) == 1

    server.files["/PyPI/all.zip"] = b"changed"  # then the feed's host goes away: the user's
    old = prepare_store(now=lambda: T0 + timedelta(days=3), feeds=[Feed(dead)])  # database stays
    assert "using the advisory database last updated 3 days ago" in old.lines[0]
    assert ids(old.store, "PyPI", "PyYAML") == {"PYSEC-2018-49", "PYSEC-2020-176"}


def test_the_time_budget_stops_a_slow_download_which_resumes_next_time(
    server: Feeds, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAULK_DB_UPDATE_TIMEOUT", "1")
    server.stall_after["/PyPI/all.zip"] = 1000
    slow = prepare_store(now=lambda: T0, feeds=feeds(server))
    (line,) = slow.lines
    assert line.startswith("advisory feeds unreachable: no feed could be fetched (")
    assert "1000 bytes kept" in line and "(the 1 s time budget ran out)" in line
    assert slow.store.path.name.startswith("vulndb-embedded-")  # the scan goes on with this
    parts = list(feeds_dir().glob("*/body.part"))
    assert [p.stat().st_size for p in parts] == [1000]
    resumed = prepare_store(now=lambda: T0 + timedelta(hours=2), feeds=feeds(server))
    assert "updated automatically" in resumed.lines[0]
    assert server.requests[-1][1]["range"] == "bytes=1000-"
    assert ids(resumed.store, "PyPI", "PyYAML") == {"PYSEC-2018-49", "PYSEC-2020-176"}


def test_switched_off_by_the_flag_it_touches_nothing(server: Feeds) -> None:
    store = prepare_store(update=False, now=lambda: T0, feeds=feeds(server)).store
    assert server.requests == [] and not default_db_path().exists()
    assert store.path.name.startswith("vulndb-embedded-")


def _sbom(tmp_path: Path) -> Path:
    path = tmp_path / "app.cdx.json"
    path.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "version": 1,
                "components": [
                    {
                        "type": "library",
                        "name": "PyYAML",
                        "version": "5.1",
                        "purl": "pkg:pypi/pyyaml@5.1",
                    }
                ],
            }
        )
    )
    return path


def _scan(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(["scan", *args])
    return int(exited.value.code or 0)


def test_scan_updates_says_so_and_skip_or_offline_do_not(
    server: Feeds,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "feeds.yaml").write_text(f"- {server.url}/PyPI/all.zip\n")
    monkeypatch.setenv("CAULK_FEEDS", str(tmp_path / "feeds.yaml"))
    sbom = f"sbom:{_sbom(tmp_path)}"
    for flag in ("--offline", "--skip-db-update"):
        assert _scan([sbom, "--scanners", "vuln", "-f", "json", flag]) == 0
        out, err = capsys.readouterr()
        assert "updated automatically" not in err and "embedded advisory data" in err
        embedded = {v["id"] for v in json.loads(out)["vulnerabilities"]}
        assert {"CVE-2019-20477", "CVE-2020-14343"} <= embedded  # the whole PyPA data
    assert server.requests == []
    assert _scan([sbom, "--scanners", "vuln", "-f", "json"]) == 0
    out, err = capsys.readouterr()
    assert "caulk: advisory database updated automatically" in err
    doc = json.loads(out)
    # The fixture feed's two PyYAML records (one affects 5.1) replace the embedded PyPA data.
    assert [v["id"] for v in doc["vulnerabilities"]] == ["CVE-2019-20477"]
    assert _scan(["registry.example/app:1", "--offline"]) == 2
    assert "--offline" in capsys.readouterr().err
