"""CK-IMG-007 (secrets in files, every layer) and CK-IMG-008 (secrets in config Env and history).

Files are read in the `all-layers` scope: a key COPY'd in layer 2 and deleted in layer 3 is still
shipped in layer 2's blob, so it is reported with layer 2. Values are always redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import SECRET_IN_CONFIG, SECRET_IN_FILE
from caulk.check.image.secret_files import SECRETS_ANALYZER
from caulk.check.image.secret_patterns import Hit, find_tokens, redact
from caulk.check.rules import Rule
from caulk.fs.inodes import layer_digest
from caulk.fs.interface import FileAnalyzer
from caulk.model import Finding, Location, Severity

__all__ = ["SecretConfigCheck", "SecretFileCheck", "suspicious_assignments"]

_SUSPICIOUS_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE
)
_REFERENCE_SUFFIXES = ("_FILE", "_PATH", "_DIR", "_URL", "_URI", "_NAME", "_ID", "_TYPE")
_ASSIGNMENT = re.compile(r"(?<![\w$-])([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s;&|]*)")


def _is_secret_value(name: str, value: str) -> bool:
    if not _SUSPICIOUS_NAME.search(name) or name.upper().endswith(_REFERENCE_SUFFIXES):
        return False
    value = value.strip("\"'")
    return bool(value) and not value.startswith(("/", "$", "<", "%")) and len(value) >= 4


def suspicious_assignments(text: str) -> Iterator[tuple[str, str]]:
    """(name, value) of `NAME=value` pairs in `text` whose name says it holds a secret."""
    for match in _ASSIGNMENT.finditer(text):
        name, value = match.group(1), match.group(2).strip("\"'")
        if _is_secret_value(name, value):
            yield name, value


class SecretFileCheck:
    rules: tuple[Rule, ...] = (SECRET_IN_FILE,)
    analyzers: tuple[FileAnalyzer, ...] = (SECRETS_ANALYZER,)

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        view = ctx.view
        seen: set[tuple[str, int, str, str, int]] = set()
        for entry, result in view.results(SECRETS_ANALYZER.name, scope="all-layers"):
            if not isinstance(result, tuple):
                continue
            visible = view.get(entry.path)
            still = ""
            if visible is None or visible.layer != entry.layer:
                still = (
                    f"; removed or replaced by a later layer, still shipped in layer {entry.layer}"
                )
            for hit in result:
                if not isinstance(hit, Hit):
                    continue
                key = (entry.path, entry.layer, hit.kind, hit.redacted, hit.line)
                if key in seen:
                    continue
                seen.add(key)
                yield SECRET_IN_FILE.finding(
                    f"{hit.description} in {entry.path}: {hit.redacted}{still}",
                    Location(
                        path=entry.path,
                        layer=entry.layer,
                        layer_digest=layer_digest(view, entry.layer),
                        line=hit.line or None,
                    ),
                    details=(("kind", hit.kind),),
                )


class SecretConfigCheck:
    rules: tuple[Rule, ...] = (SECRET_IN_CONFIG,)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        config = ctx.image.config
        for i, item in enumerate(config.env):
            name = item.partition("=")[0]
            where = Location(field=f"config.Env[{i}]")
            yield from _findings(item, f"environment variable {name}", where)
        layer = -1
        for i, entry in enumerate(config.history):
            if not entry.empty_layer:
                layer += 1
            where = Location(
                field=f"history[{i}].created_by",
                layer=None if entry.empty_layer else layer,
                layer_digest=None if entry.empty_layer else layer_digest(ctx.view, layer),
            )
            yield from _findings(entry.created_by, f"history step {i}", where)


def _findings(text: str, what: str, where: Location) -> Iterator[Finding]:
    """Token patterns (CRITICAL), then secret-named assignments not already reported (HIGH)."""
    reported: set[str] = set()
    for hit in find_tokens(text.encode("utf-8", "surrogateescape")):
        reported.add(hit.redacted)
        yield SECRET_IN_CONFIG.finding(
            f"{hit.description} in {what}: {hit.redacted}",
            where,
            severity=Severity.CRITICAL,
            details=(("kind", hit.kind),),
        )
    for name, value in suspicious_assignments(text):
        if redact(value) not in reported:
            yield SECRET_IN_CONFIG.finding(f"{what} sets {name}: {redact(value)}", where)
