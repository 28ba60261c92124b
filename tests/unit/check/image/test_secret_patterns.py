"""Token patterns, credential files and redaction (no image needed)."""

from __future__ import annotations

import pickle

import pytest

from caulk.check.image.secret_files import SECRETS_ANALYZER, scan_text
from caulk.check.image.secret_patterns import find_tokens, redact
from caulk.fs.interface import EntryType, FileEntry
from tests.support.limits import run_python

# Built at run time so this file itself holds no token-shaped string.
AWS_ID = "AKIA" + "Q3EGRWXZ7T2LMN4P"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
GITHUB_PAT = "github_pat_" + "A" * 22 + "_" + "b" * 59
GITLAB = "glpat-" + "x1Y2z3W4v5U6t7S8r9Q0"
SLACK = "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
GOOGLE = "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
KEY_BODY = "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join(KEY_BODY[i : i + 64] for i in range(0, len(KEY_BODY), 64))
    + "\n-----END RSA PRIVATE KEY-----\n"
)


def kinds(data: str) -> list[str]:
    return [h.kind for h in find_tokens(data.encode())]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"key = {AWS_ID}\n", "aws-access-key-id"),
        (f"token: {GITHUB}", "github-token"),
        (f"GH={GITHUB_PAT}", "github-token"),
        (f"'{GITLAB}'", "gitlab-token"),
        (f"slack {SLACK}", "slack-token"),
        (f"stripe={STRIPE}", "stripe-key"),
        (f"maps({GOOGLE})", "google-api-key"),
        (PEM, "private-key"),
        (
            "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzKEYabc",
            "aws-secret-access-key",
        ),
    ],
)
def test_each_pattern_matches(text: str, kind: str) -> None:
    assert kinds(text) == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "AKIAIOSFODNN7EXAMPLE",  # AWS's documentation key
        "AKIA" + "Q3EGRWXZ7T2LMN4PQ",  # 17 chars: not a key id
        "ghp_short",
        "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----",  # no body
        "-----BEGIN PUBLIC KEY-----\n" + KEY_BODY + "\n-----END PUBLIC KEY-----",
        "see the PRIVATE KEY section of the manual",
        "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc",
    ],
)
def test_near_misses_are_not_reported(text: str) -> None:
    assert kinds(text) == []


def test_hits_are_redacted_and_carry_the_line() -> None:
    (hit,) = find_tokens(f"one\ntwo\nexport KEY={AWS_ID}\n".encode())
    assert hit.line == 3
    assert hit.redacted == "AKIA… (20 chars)"
    assert AWS_ID not in repr(hit)


def test_private_key_redaction_hides_the_body() -> None:
    (hit,) = find_tokens(PEM.encode())
    assert hit.redacted == f"MIIE… ({len(KEY_BODY)} chars)"
    assert KEY_BODY[4:20] not in repr(hit)


def test_redact() -> None:
    assert redact("hunter2-secret") == "hunt… (14 chars)"


def test_docker_config_auths() -> None:
    data = b'{"auths": {"registry.example.com": {"auth": "dXNlcjpwYXNz"}, "empty": {}},'
    data += b' "credsStore": "desktop"}'
    hits = scan_text("/root/.docker/config.json", data)
    assert [(h.kind, h.description, h.redacted) for h in hits] == [
        ("docker-auth", "Docker registry credential for registry.example.com", "dXNl… (12 chars)")
    ]
    assert scan_text("/root/.docker/config.json", b'{"credsStore": "desktop"}') == ()


def test_docker_config_invalid_json_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid Docker config JSON"):
        scan_text("/home/u/.docker/config.json", b"{not json")


def test_npmrc_git_credentials_netrc_aws_session() -> None:
    npmrc = b"registry=https://r.example/\n//r.example/:_authToken=npm_abcdefgh1234\n"
    npmrc += b"//other/:_authToken=${NPM_TOKEN}\n"
    assert [h.kind for h in scan_text("/app/.npmrc", npmrc)] == ["npm-token"]
    gitcred = b"https://bob:s3cr3tpass@github.com\n"
    (hit,) = scan_text("/root/.git-credentials", gitcred)
    assert hit.redacted == "s3cr… (10 chars)"
    netrc = b"machine ftp.example.com login bob password hunter22\n"
    assert [h.kind for h in scan_text("/root/.netrc", netrc)] == ["netrc-password"]
    aws = b"[default]\naws_session_token = FwoGZXIvYXdzEJr//////////wEaDM\n"
    assert [h.kind for h in scan_text("/root/.aws/credentials", aws)] == ["aws-session-token"]


def test_ssh_key_file_by_name_even_without_pem_header() -> None:
    assert [h.kind for h in scan_text("/root/.ssh/id_ed25519", b"PuTTY-User-Key-File-3")] == [
        "ssh-key-file"
    ]
    assert [h.kind for h in scan_text("/root/.ssh/id_rsa", PEM.encode())] == ["private-key"]
    assert scan_text("/root/.ssh/id_rsa.pub", b"ssh-rsa AAAA") == ()


def entry(path: str, size: int = 10, kind: EntryType = EntryType.FILE) -> FileEntry:
    return FileEntry(path, kind, 0o644, 0, 0, size, 0)


@pytest.mark.parametrize(
    ("path", "size", "wanted"),
    [
        ("/app/config.py", 10, True),
        ("/root/.ssh/id_rsa", 10, True),
        ("/usr/share/doc/x/README", 10, False),
        ("/usr/lib/x86_64-linux-gnu/libc.so.6", 10, False),
        ("/usr/lib/python3.11/__pycache__/a.cpython-311.pyc", 10, False),
        ("/app/big.txt", 2 * 1024 * 1024, False),
        ("/app/empty", 0, False),
        ("/usr/lib/python3.11/ssl.py", 10, False),
        ("/usr/local/lib/python3.12/json/decoder.py", 10, False),
        ("/usr/local/lib/python3.12/site-packages/app/settings.py", 10, True),
        ("/usr/lib/python3/dist-packages/x/conf.py", 10, False),  # Debian's python3-* code
        ("/usr/local/lib/python3.11/dist-packages/app/conf.py", 10, True),  # pip on Debian
        ("/usr/share/nodejs/lodash/index.js", 10, False),  # Debian's node-* code
        ("/app/node_modules/lodash/index.js", 10, True),
        ("/usr/local/lib/node_modules/npm/lib/npm.js", 10, False),
        ("/usr/local/lib/node_modules/mytool/index.js", 10, True),
        ("/usr/lib/x86_64-linux-gnu/perl-base/strict.pm", 10, False),
        ("/var/lib/dpkg/status", 10, False),
    ],
)
def test_analyzer_wants(path: str, size: int, wanted: bool) -> None:
    assert SECRETS_ANALYZER.wants(entry(path, size)) is wanted


def test_analyzer_skips_binaries_and_pickles_results() -> None:
    e = entry("/usr/bin/tool")
    assert SECRETS_ANALYZER.analyze(e, b"\x7fELF\x00\x00" + AWS_ID.encode()) is None
    result = SECRETS_ANALYZER.analyze(e, f"#!/bin/sh\nK={AWS_ID}\n".encode())
    assert result is not None
    assert pickle.loads(pickle.dumps(result)) == result


@pytest.mark.parametrize(
    "text",
    [
        "X" + AWS_ID,  # glued to a longer word
        "_" + GITHUB,
        "a" + GOOGLE,
        "zsk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
        "k_live_" + "4eC39HqLyjWDarjtT1zdp7dc",  # no sk_/rk_
    ],
)
def test_token_must_start_a_word(text: str) -> None:
    assert kinds(text) == []


def test_stripe_key_at_start_of_data_and_rk() -> None:
    (hit,) = find_tokens(STRIPE.encode())
    assert hit.redacted == f"sk_l… ({len(STRIPE)} chars)"
    assert kinds("rk_live_" + "4eC39HqLyjWDarjtT1zdp7dc") == ["stripe-key"]


HEADER = b"-----BEGIN RSA " + b"PRIVATE KEY-----\n"
PEM_KEY = HEADER + b"MIIEowIBAAKCAQEA7bq98u9IkB5Y3w5p8f9\n-----END RSA PRIVATE KEY-----\n"


def test_repeated_private_key_headers_are_scanned_in_linear_time() -> None:
    """Issue 9 item 12: 4 MiB of BEGIN lines cost ~150 s CPU with the old lazy regex (38 s per
    MiB measured); linear matching takes well under a second. Run capped, with no budget."""
    code = (
        "from caulk.check.image.secret_patterns import find_tokens\n"
        f"data = {HEADER!r} * 130_000 + {PEM_KEY!r}\n"
        "print([(h.kind, h.line) for h in find_tokens(data, budget_seconds=1e9)])\n"
    )
    run = run_python(code, memory_mb=1024, timeout=30)
    assert not run.timed_out and run.rc == 0, run
    assert run.stdout.strip() == "[('private-key', 130001)]", run


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (PEM_KEY, True),
        (  # traditional encrypted PEM: RFC 1421 headers before the body
            HEADER + b"Proc-Type: 4,ENCRYPTED\n"
            b"DEK-Info: AES-128-CBC,0123456789ABCDEF\n\nMIIEowIBAAKCAQEA7bq98u9IkB5Y3w5p8f9\n"
            b"-----END RSA PRIVATE KEY-----\n",
            True,
        ),
        (HEADER + b"this is not a key at all, sorry!\n-----END", False),
        (HEADER * 3 + PEM_KEY, True),
        (HEADER + b"A" * 30000 + b"\n-----END", False),
    ],
)
def test_private_key_bodies_must_be_base64(text: bytes, found: bool) -> None:
    assert any(h.kind == "private-key" for h in find_tokens(text)) is found


def test_a_pattern_out_of_budget_is_reported_not_lost() -> None:
    hits = list(find_tokens(PEM_KEY + AWS_ID.encode() + b"\n", budget_seconds=0.0))
    cut = [h for h in hits if h.kind == "scan-budget"]
    assert cut and all("needed more than 0 s" in h.redacted for h in cut)
    assert {"private-key", "aws-access-key-id"} <= {h.redacted.split()[1] for h in cut}
