"""What the user asked `caulk defang` to do: `DefangOptions` (and `UserSpec` for `--user`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from caulk.errors import UsageError

__all__ = ["DEFAULT_USER", "DefangOptions", "KeepSpec", "UserSpec", "created_from_epoch"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$")


def _check_part(text: str, what: str) -> str:
    if text.isdigit() or _NAME.match(text):
        return text
    raise UsageError(f"--user: invalid {what} {text!r} (expected a name or a number)")


@dataclass(frozen=True, slots=True)
class UserSpec:
    """`--user NAME|UID[:GROUP|GID]`. Numbers are ids, anything else is a name."""

    user: str
    group: str | None = None

    @classmethod
    def parse(cls, text: str) -> UserSpec:
        user, sep, group = text.strip().partition(":")
        if not user or (sep and not group):
            raise UsageError(f"--user: invalid value {text!r} (expected NAME|UID[:GROUP|GID])")
        return cls(_check_part(user, "user"), _check_part(group, "group") if sep else None)

    def __str__(self) -> str:
        return f"{self.user}:{self.group}" if self.group is not None else self.user


@dataclass(frozen=True, slots=True)
class KeepSpec:
    """`--keep-only PATH…` (directories keep their subtree) or `--from-profile FILE` (paths a
    recorded run touched; directories keep only themselves)."""

    paths: tuple[str, ...]  # absolute paths in the image
    subtrees: bool = True
    source: str = "--keep-only"  # for messages and the history entry


DEFAULT_USER = UserSpec("nonroot")  # `--user` without a value: distroless' nonroot, uid 65532


@dataclass(frozen=True, slots=True)
class DefangOptions:
    remove_shells: bool = False
    remove_tools: bool = False
    remove_package_managers: bool = False
    remove_paths: tuple[str, ...] = ()  # absolute paths in the image
    user: UserSpec | None = None
    squash: bool = False
    created: str | None = None  # RFC 3339 for the new history entry; None: the image's `created`
    force: bool = False  # write even when Entrypoint/Cmd/Healthcheck needs a removed program
    keep: KeepSpec | None = None  # --keep-only / --from-profile (implies squash)

    def command_line(self) -> str:
        """The canonical command recorded in the history (independent of argument order)."""
        words = ["caulk", "defang"]
        if self.remove_shells:
            words.append("--remove-shells")
        if self.remove_tools:
            words.append("--remove-tools")
        if self.remove_package_managers:
            words.append("--remove-package-managers")
        for path in sorted(set(self.remove_paths)):
            words += ["--remove", path]
        if self.user is not None:
            words += ["--user", str(self.user)]
        if self.keep is not None and self.keep.source == "--keep-only":
            for path in sorted(set(self.keep.paths)):
                words += ["--keep-only", path]
        elif self.keep is not None:
            words += ["--from-profile", f"({len(self.keep.paths)} paths)"]
        if self.squash or self.keep is not None:
            words.append("--squash")
        return " ".join(words)


def created_from_epoch(text: str) -> str:
    """`SOURCE_DATE_EPOCH` (decimal seconds) as RFC 3339 UTC."""
    if not text.strip().isdigit():
        raise UsageError(f"SOURCE_DATE_EPOCH={text!r} is not a number of seconds")
    moment = datetime.fromtimestamp(int(text), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
