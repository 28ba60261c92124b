"""High-confidence secret patterns and redaction, shared by the file analyzer and config checks.

Each pattern has a literal that every match contains, so text without it is skipped with a plain
substring search (fast) before any regular expression runs. The secret itself is never returned:
only `redact(secret)` = its first 4 characters and its length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["PATTERNS", "Hit", "Pattern", "find_tokens", "redact"]


@dataclass(frozen=True, slots=True)
class Pattern:
    """`regex` starts with a literal so CPython's matcher can skip through text quickly (no
    leading look-behind: `not_after` lists the bytes that must not precede a match instead).
    `literals`, when given, must all-but-one be absent for the regex to be skipped."""

    kind: str
    description: str
    regex: re.Pattern[bytes]  # group "secret" is the part to redact
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


def _p(kind: str, description: str, regex: bytes, not_after: bytes = b"") -> Pattern:
    return Pattern(kind, description, re.compile(regex), not_after)


_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_PEM_BODY = rb"(?s:(?P<secret>[^\x00]{16,20000}?))"
PATTERNS: tuple[Pattern, ...] = (
    _p(
        "private-key",
        "private key",
        rb"-----BEGIN[ A-Z0-9]{0,40} PRIVATE KEY(?: BLOCK)?-----\s*" + _PEM_BODY + rb"-----END",
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
        re.compile(
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


def find_tokens(data: bytes) -> Iterator[Hit]:
    """Every high-confidence secret in `data`, in order of appearance per pattern."""
    for pattern in PATTERNS:
        if pattern.literals and not any(lit in data for lit in pattern.literals):
            continue
        for match in pattern.regex.finditer(data):
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
            elif pattern.kind == "private-key":
                secret = b"".join(secret.split())
            if any(p in secret for p in _PLACEHOLDERS):
                continue
            yield Hit(
                pattern.kind,
                pattern.description,
                redact(secret.decode("ascii", "replace")),
                data.count(b"\n", 0, start) + 1,
            )
