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
    kind: str
    description: str
    literals: tuple[bytes, ...]
    regex: re.Pattern[bytes]  # group "secret" is the part to redact


@dataclass(frozen=True, slots=True)
class Hit:
    """One secret found: what it is, its redacted form and the 1-based line (0 if unknown)."""

    kind: str
    description: str
    redacted: str
    line: int = 0


def redact(secret: str) -> str:
    return f"{secret[:4]}… ({len(secret)} chars)"


def _p(kind: str, description: str, literals: tuple[bytes, ...], regex: bytes) -> Pattern:
    return Pattern(kind, description, literals, re.compile(regex))


_PEM_BODY = rb"(?s:(?P<secret>[^\x00]{16,20000}?))"
PATTERNS: tuple[Pattern, ...] = (
    _p(
        "private-key",
        "private key",
        (b"PRIVATE KEY",),
        rb"-----BEGIN[ A-Z0-9]{0,40} PRIVATE KEY(?: BLOCK)?-----\s*" + _PEM_BODY + rb"-----END",
    ),
    _p(
        "aws-access-key-id",
        "AWS access key ID",
        (b"AKIA", b"ASIA", b"ABIA", b"ACCA"),
        rb"(?<![A-Z0-9])(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Z0-9])",
    ),
    _p(
        "aws-secret-access-key",
        "AWS secret access key",
        (b"aws_secret_access_key", b"AWS_SECRET_ACCESS_KEY"),
        rb"(?i:aws_secret_access_key)\s*[=:]\s*[\"']?(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
    ),
    _p(
        "github-token",
        "GitHub token",
        (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"),
        rb"(?<![A-Za-z0-9_])(?P<secret>gh[pousr]_[A-Za-z0-9]{36})(?![A-Za-z0-9_])",
    ),
    _p(
        "github-pat",
        "GitHub fine-grained token",
        (b"github_pat_",),
        rb"(?<![A-Za-z0-9_])(?P<secret>github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])",
    ),
    _p(
        "gitlab-token",
        "GitLab personal access token",
        (b"glpat-",),
        rb"(?<![A-Za-z0-9_-])(?P<secret>glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])",
    ),
    _p(
        "slack-token",
        "Slack token",
        (b"xox",),
        rb"(?<![A-Za-z0-9])(?P<secret>xox[baprs]-[0-9]{8,}-[0-9A-Za-z-]{8,})",
    ),
    _p(
        "stripe-key",
        "Stripe live secret key",
        (b"_live_",),
        rb"(?<![A-Za-z0-9_])(?P<secret>(?:sk|rk)_live_[0-9A-Za-z]{24,99})(?![A-Za-z0-9])",
    ),
    _p(
        "google-api-key",
        "Google API key",
        (b"AIza",),
        rb"(?<![A-Za-z0-9_-])(?P<secret>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])",
    ),
)

_PLACEHOLDERS = (b"EXAMPLE", b"example", b"XXXXXXXX", b"xxxxxxxx", b"0000000000000000")


def find_tokens(data: bytes) -> Iterator[Hit]:
    """Every high-confidence secret in `data`, in order of appearance per pattern."""
    for pattern in PATTERNS:
        if not any(lit in data for lit in pattern.literals):
            continue
        for match in pattern.regex.finditer(data):
            secret = match.group("secret")
            if pattern.kind == "private-key":
                secret = b"".join(secret.split())
            if any(p in secret for p in _PLACEHOLDERS):
                continue
            line = data.count(b"\n", 0, match.start()) + 1
            yield Hit(
                pattern.kind,
                pattern.description,
                redact(secret.decode("ascii", "replace")),
                line,
            )
