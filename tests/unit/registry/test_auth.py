"""Which URLs keep the registry's credentials (issue 9 items 1 and 9) and how long a token
lives whatever its `expires_in` says (item 25)."""

from __future__ import annotations

import pytest

from caulk.registry.auth import MAX_TOKEN_LIFETIME, _lifetime, keeps_auth, origin


@pytest.mark.parametrize(
    ("old", "new", "keeps"),
    [
        ("https://r.example/v2/", "https://r.example:443/x", True),
        ("https://r.example/v2/", "https://R.EXAMPLE/x", True),
        ("http://r.example/v2/", "https://r.example/x", True),  # the upgrade is allowed
        ("https://r.example/v2/", "http://r.example/x", False),  # a downgrade is not
        ("https://r.example/v2/", "https://r.example:8443/x", False),
        ("https://r.example/v2/", "https://cdn.example/x", False),
        ("http://r.example:5000/v2/", "https://r.example:5000/x", False),
        ("https://r.example/v2/", "https://r.example:99999/x", False),
    ],
)
def test_keeps_auth_follows_requests_should_strip_auth(old: str, new: str, keeps: bool) -> None:
    assert keeps_auth(old, new) is keeps


def test_origin_names_scheme_host_and_effective_port() -> None:
    assert origin("https://CDN.example/a?b") == "https://cdn.example:443"
    assert origin("http://127.0.0.1:5000/x") == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (10**400, MAX_TOKEN_LIFETIME),
        (float("inf"), MAX_TOKEN_LIFETIME),
        (300, 300.0),
        (0, 60.0),
        (-5, 60.0),
        (float("nan"), 60.0),
        (True, 60.0),
        ("3600", 60.0),
        (None, 60.0),
    ],
)
def test_token_lifetime_is_bounded(value: object, seconds: float) -> None:
    assert _lifetime(value) == seconds
