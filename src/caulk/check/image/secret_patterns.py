"""High-confidence secret patterns and redaction, shared by the file analyzer and config checks.

Each pattern has a literal that every match contains, so text without it is skipped with a plain
substring search (fast) before any regular expression runs. The secret itself is never returned:
only `redact(secret)` = its first 4 characters and its length.

Hostile files cannot make this slow: private keys are found in linear time (the header by regex,
the END marker by `bytes.find`, a base64-only body), and every pattern gets `BUDGET_SECONDS` of
matching per file; a pattern that runs out is reported as a `scan-budget` hit, not silently lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import regex

__all__ = ["BUDGET_SECONDS", "PATTERNS", "Hit", "Pattern", "find_tokens", "redact"]

BUDGET_SECONDS = 1.0  # per pattern and file (files are at most 1 MiB)
MAX_PEM_BODY = 20000


@dataclass(frozen=True, slots=True)
class Pattern:
    """`regex` starts with a literal so CPython's matcher can skip through text quickly (no
    leading look-behind: `not_after` lists the bytes that must not precede a match instead).
    `literals`, when given, must all-but-one be absent for the regex to be skipped."""

    kind: str
    description: str
    regex: regex.Pattern[bytes]  # group "secret" is the part to redact
    not_after: bytes = b""
    literals: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """One secret found: what it is, its redacted form and the 1-based line (0 if unknown)."""

    kind: str
    description: str
    redacted: str
    line: int = 0


def redact(secret: str) -> str:
    return f"{secret[:4]}… ({len(secret)} chars)"


def _p(kind: str, description: str, pattern: bytes, not_after: bytes = b"") -> Pattern:
    return Pattern(kind, description, regex.compile(pattern), not_after)


_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_BASE64 = _ALNUM + b"+/="
PATTERNS: tuple[Pattern, ...] = (
    _p(  # the header only: the body is found by _private_keys, in linear time
        "private-key",
        "private key",
        rb"-----BEGIN[ A-Z0-9]{0,40} PRIVATE KEY(?: BLOCK)?-----",
    ),
    _p(
        "aws-access-key-id",
        "AWS access key ID",
        rb"(?P<secret>A(?:KIA|SIA|BIA|CCA)[A-Z2-7]{16})(?![A-Z0-9])",
        _ALNUM[:26] + _ALNUM[52:],
    ),
    Pattern(
        "aws-secret-access-key",
        "AWS secret access key",
        regex.compile(
            rb"(?i:aws_secret_access_key)\s*[=:]\s*[\"']?(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
        ),
        literals=(b"aws_secret_access_key", b"AWS_SECRET_ACCESS_KEY"),
    ),
    _p(
        "github-token",
        "GitHub token",
        rb"(?P<secret>g(?:h[pousr]_[A-Za-z0-9]{36}|ithub_pat_[A-Za-z0-9_]{82}))(?![A-Za-z0-9_])",
        _ALNUM + b"_",
    ),
    _p(
        "gitlab-token",
        "GitLab personal access token",
        rb"(?P<secret>glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])",
        _ALNUM + b"_-",
    ),
    _p(
        "slack-token",
        "Slack token",
        rb"(?P<secret>xox[baprs]-[0-9]{8,}-[0-9A-Za-z-]{8,})",
        _ALNUM,
    ),
    _p(
        "stripe-key",
        "Stripe live secret key",
        rb"k_live_(?P<secret>[0-9A-Za-z]{24,99})(?![A-Za-z0-9])",
    ),
    _p(
        "google-api-key",
        "Google API key",
        rb"(?P<secret>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])",
        _ALNUM + b"_-",
    ),
)

_PLACEHOLDERS = (b"EXAMPLE", b"example", b"XXXXXXXX", b"xxxxxxxx", b"0000000000000000")


def find_tokens(data: bytes, budget_seconds: float = BUDGET_SECONDS) -> Iterator[Hit]:
    """Every high-confidence secret in `data`, in order of appearance per pattern."""
    for pattern in PATTERNS:
        if pattern.literals and not any(lit in data for lit in pattern.literals):
            continue
        try:
            for start, secret in _secrets(pattern, data, budget_seconds):
                if any(p in secret for p in _PLACEHOLDERS):
                    continue
                yield Hit(
                    pattern.kind,
                    pattern.description,
                    redact(secret.decode("ascii", "replace")),
                    data.count(b"\n", 0, start) + 1,
                )
        except TimeoutError:
            yield Hit(
                "scan-budget",
                "secret scan cut short",
                f"the {pattern.kind} pattern needed more than {budget_seconds:g} s CPU",
            )


def _secrets(pattern: Pattern, data: bytes, budget: float) -> Iterator[tuple[int, bytes]]:
    """(offset, secret) of each match; TimeoutError once the pattern's budget is spent."""
    if pattern.kind == "private-key":
        yield from _private_keys(pattern.regex, data, budget)
        return
    for match in pattern.regex.finditer(data, timeout=budget):
        start = match.start()
        if start and pattern.not_after and data[start - 1] in pattern.not_after:
            continue
        secret = match.group("secret")
        if pattern.kind == "stripe-key":
            if data[start - 1 : start] not in (b"s", b"r") or (
                start > 1 and data[start - 2] in _ALNUM + b"_"
            ):
                continue
            secret = data[start - 1 : match.end()]
        yield start, secret


def _private_keys(
    header: regex.Pattern[bytes], data: bytes, budget: float
) -> Iterator[tuple[int, bytes]]:
    """PEM private keys: a header, a base64 body (after optional RFC 1421 `Name: value` lines)
    of 16 to MAX_PEM_BODY bytes, then `-----END`. Each END is searched for once and each body
    checked once (a body holding another BEGIN cannot be base64): linear time however many BEGIN
    lines precede it."""
    end = -1
    after = 0  # headers inside a key already reported are part of it
    for match in header.finditer(data, timeout=budget):
        if match.start() < after:
            continue
        if end < match.end():
            end = data.find(b"-----END", match.end())
            if end < 0:
                return
        if end - match.end() > MAX_PEM_BODY or data.find(b"-----BEGIN", match.end(), end) >= 0:
            continue  # too long, or another header before END: only the last one can match
        body = data[match.end() : end]
        secret = b"".join(_without_rfc1421_headers(body).split())
        if len(secret) < 16 or secret.translate(None, _BASE64):
            continue
        yield match.start(), secret
        after = end


def _without_rfc1421_headers(body: bytes) -> bytes:
    """`Proc-Type: 4,ENCRYPTED` / `DEK-Info: …` lines of traditional encrypted PEM."""
    if b":" not in body:
        return body
    lines = body.lstrip().split(b"\n")
    while lines and (b":" in lines[0] or not lines[0].strip()):
        lines.pop(0)
    return b"\n".join(lines)
