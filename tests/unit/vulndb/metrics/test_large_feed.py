"""A 1 GB NVD feed is streamed: peak RSS of the importing process stays under 300 MB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.nvd_feed import write_nvd_feed

RSS_LIMIT_MB = 300
# VmHWM, not ru_maxrss: after vfork+exec ru_maxrss still holds the parent's (the test worker's) peak
CHILD = """
import resource, sys
from pathlib import Path
from caulk.vulndb.store import SourceFile, build_store
(report,) = build_store(Path(sys.argv[2]), [SourceFile("nvd", Path(sys.argv[1]))])
status = open('/proc/self/status').read()
print(report.imported, report.skipped, int(status.split('VmHWM:')[1].split()[0]))
"""


@pytest.mark.slow
def test_one_gigabyte_feed_in_bounded_memory(tmp_path: Path) -> None:
    feed = tmp_path / "nvdcve-2.0-big.json.gz"
    count = 250_000
    size = write_nvd_feed(feed, count, record_bytes=4200)  # real NVD records average 3-5 kB
    assert size > 1_000_000_000
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(feed), str(tmp_path / "db.sqlite")],
        capture_output=True,
        text=True,
        check=True,
    )
    imported, skipped, rss_kib = (int(x) for x in done.stdout.split())
    assert (imported, skipped) == (count, 0)
    assert rss_kib / 1024 < RSS_LIMIT_MB, f"peak RSS {rss_kib / 1024:.0f} MB"
