"""pytest plugin: under `CI=true` a skipped test fails, unless its reason is in ALLOWED_SKIPS.

A test that compares caulk against a real tool or real data proves nothing when it skips, and a
green run with silent skips hides that. Locally a skip stays a skip (the shared advisory
snapshots are optional there); in CI each remaining skip must be a case that cannot run on any
machine CI uses, named here with why."""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

# reason prefix -> why the case is impossible, not merely missing
ALLOWED_SKIPS = {
    "skopeo: Debian-local change: sigstore disabled": (
        "Debian's skopeo is built with sigstore signing and verification patched out; the test "
        "first proves that both directions are refused, then skips the interoperability half"
    ),
    "needs root to hand the directory to another user": (
        "chown to another user needs root; a CI runner without root cannot create the case"
    ),
}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def is_allowed(reason: str) -> bool:
    return any(reason.startswith(allowed) for allowed in ALLOWED_SKIPS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not report.skipped or hasattr(report, "wasxfail") or not in_ci():
        return report
    reason = skip_reason(report)
    if not is_allowed(reason):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} skipped under CI=true ({reason}); a skip in CI hides a missing tool "
            "or data set: install it, or name an impossible case in "
            "tests/support/skip_policy.py ALLOWED_SKIPS"
        )
    return report
