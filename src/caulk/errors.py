"""The one error root. Every error caulk raises on purpose is an `Error` with a user-facing,
one-line message; the CLI prints `caulk: <message>` and exits with `exit_code`.

Exit codes (docs/architecture.md): 0 pass, 1 policy gate failed, 2 usage or bad input,
3 operational error.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_GATE",
    "EXIT_OK",
    "EXIT_OPERATIONAL",
    "AdvisoryFormatError",
    "AuthError",
    "DatabaseError",
    "DockerfileError",
    "Error",
    "GateFailedError",
    "ImageFormatError",
    "InputError",
    "OperationalError",
    "PolicyError",
    "RegistryError",
    "SignatureError",
    "UnsafeContentError",
    "UsageError",
    "VerificationError",
    "join_reasons",
]

EXIT_OK = 0
EXIT_GATE = 1
EXIT_BAD_INPUT = 2
EXIT_OPERATIONAL = 3

MAX_MESSAGE_CHARS = 2000  # a one-line error stays readable: longer messages are cut, and say so
MAX_REASONS = 5
MAX_REASON_CHARS = 200


def join_reasons(reasons: Sequence[str], *, limit: int = MAX_REASONS, sep: str = "; ") -> str:
    """The first `limit` reasons (each cut at MAX_REASON_CHARS), then "and N more": 10,000 bad
    signature layers must not make a 569 KB "one-line" error."""
    shown = [r if len(r) <= MAX_REASON_CHARS else r[: MAX_REASON_CHARS - 1] + "…" for r in reasons]
    text = sep.join(shown[:limit])
    more = len(reasons) - limit
    return f"{text}{sep}and {more} more" if more > 0 else text


class Error(Exception):
    """Root of caulk's errors: `where` names the file, blob or URL at fault; `message` says what."""

    exit_code: int = EXIT_OPERATIONAL

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        text = " ".join(self.message.split())  # always one line
        if len(text) > MAX_MESSAGE_CHARS:
            cut = len(text) - MAX_MESSAGE_CHARS
            text = f"{text[:MAX_MESSAGE_CHARS]}… ({cut} more characters)"
        return f"{self.where}: {text}" if self.where else text


class UsageError(Error):
    """The command line or configuration is wrong."""

    exit_code = EXIT_BAD_INPUT


class InputError(Error):
    """Some input (image, archive, manifest, advisory, Dockerfile, policy) is broken or hostile."""

    exit_code = EXIT_BAD_INPUT


class ImageFormatError(InputError):
    """An image, manifest, index, config or layer is malformed or unsupported."""


class VerificationError(ImageFormatError):
    """Content does not match its digest, size or diff_id."""


class UnsafeContentError(ImageFormatError):
    """Content is hostile: path traversal, link escape, decompression bomb, absurd sizes."""


class DockerfileError(InputError):
    """A Dockerfile (or lint configuration) cannot be read at all."""


class AdvisoryFormatError(InputError):
    """An advisory source cannot be imported at all."""


class PolicyError(InputError):
    """A policy, ignore file or lifecycle rule set is invalid."""


class SignatureError(Error):
    """A signature or attestation does not verify (a gate failure, not bad input)."""

    exit_code = EXIT_GATE


class GateFailedError(Error):
    """A `--fail-on` or policy gate failed."""

    exit_code = EXIT_GATE


class OperationalError(Error):
    """Something outside the input failed: disk, network, database."""

    exit_code = EXIT_OPERATIONAL


class RegistryError(OperationalError):
    """A registry answered badly or could not be reached."""


class AuthError(RegistryError):
    """Authentication against a registry failed."""


class DatabaseError(OperationalError):
    """The advisory database or the server store failed."""
