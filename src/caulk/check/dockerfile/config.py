"""Lint configuration: caulk's `.caulk.yaml` (section `lint:`) and hadolint's `.hadolint.yaml`
keys, so users can bring their hadolint setup along unchanged.

    lint:                                  # .hadolint.yaml equivalent
      ignore: [CK-DF-040, DL3008]          # ignored: [DL3008]
      severity: {CK-DF-088: high}          # override: {error: [DL3059]}
      trusted-registries: [docker.io]      # trustedRegistries: [docker.io]
      allowed-base-images: ["debian:12*"]
      required-labels: {org.opencontainers.image.source: url}   # label-schema: {…}
      strict-labels: false                 # strict-labels: false
      failure-threshold: low               # failure-threshold: info
      require-digest: false
      disable-pragmas: false               # disable-ignore-pragma: false
      rules: [acme-rules.yaml]             # dockerfile_lint profiles or caulk rule files
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caulk.check.dockerfile.custom import CustomRule, load_rule_file
from caulk.check.dockerfile.profiles import MAX_RULE_FILE_BYTES
from caulk.errors import UsageError
from caulk.model import Severity
from caulk.safeload import DocumentError, load_yaml, read_regular

__all__ = ["CONFIG_NAMES", "LintConfig", "find_config", "load_config"]

CONFIG_NAMES = (".caulk.yaml", ".caulk.yml", ".hadolint.yaml", ".hadolint.yml")
_HADOLINT_LEVELS = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "info": Severity.LOW,
    "style": Severity.INFO,
}


@dataclass(frozen=True, slots=True)
class LintConfig:
    ignored: frozenset[str] = frozenset()  # caulk IDs and/or hadolint codes
    overrides: tuple[tuple[str, Severity], ...] = ()
    trusted_registries: tuple[str, ...] = ()
    allowed_images: tuple[str, ...] = ()
    required_labels: tuple[tuple[str, str], ...] = ()
    strict_labels: bool = False
    failure_threshold: Severity | None = Severity.LOW  # None: never fail
    require_digest: bool = False
    disable_pragmas: bool = False
    custom_rules: tuple[CustomRule, ...] = ()
    source: str | None = field(default=None, compare=False)  # the file it came from

    def severity_for(self, rule_id: str, hadolint: str | None) -> Severity | None:
        for key, sev in self.overrides:
            if key == rule_id or (hadolint is not None and key == hadolint):
                return sev
        return None

    def is_ignored(self, rule_id: str, hadolint: str | None) -> bool:
        return rule_id in self.ignored or (hadolint is not None and hadolint in self.ignored)


def find_config(start: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = start / name
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path) -> LintConfig:
    where = str(path)
    try:
        raw = read_regular(path, max_bytes=MAX_RULE_FILE_BYTES, what="lint config")
        data = load_yaml(raw, where=where, what="lint config") or {}
    except DocumentError as exc:  # one line, never a snippet of the file
        raise UsageError(exc.message, where=where) from None
    if not isinstance(data, dict):
        raise UsageError("lint config must be a mapping", where=where)
    section = data.get("lint", data)
    if not isinstance(section, dict):
        raise UsageError("`lint:` must be a mapping", where=where)
    return from_mapping(section, where=where, base=path.parent)


def _strs(value: Any, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise UsageError(f"`{key}` must be a list of strings", where=where)
    return tuple(str(v) for v in value)


def _severity(value: Any, key: str, where: str) -> Severity:
    text = str(value).strip().lower()
    if text in _HADOLINT_LEVELS:
        return _HADOLINT_LEVELS[text]
    try:
        return Severity.parse(text)
    except UsageError:
        raise UsageError(f"`{key}`: unknown severity {value!r}", where=where) from None


def _inside(base: Path, rel: str, where: str) -> Path:
    """A rule file named by a config: relative, and inside the config's directory tree after
    resolving `..` and symlinks (a config found in a cloned repository must not read ~/.aws)."""
    if Path(rel).is_absolute():
        raise UsageError(f"rule file {rel!r} must be a relative path", where=where)
    root = base.resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root):
        raise UsageError(f"rule file {rel!r} is outside the config's directory", where=where)
    return target


def from_mapping(section: Mapping[str, Any], *, where: str, base: Path) -> LintConfig:
    known = {
        "ignore", "ignored", "severity", "override", "trusted-registries", "trustedRegistries",
        "allowed-base-images", "required-labels", "label-schema", "strict-labels",
        "failure-threshold", "require-digest", "disable-pragmas", "disable-ignore-pragma",
        "rules", "no-fail", "no-color", "format", "output-file", "verbose",
    }  # fmt: skip
    unknown = sorted(set(section) - known)
    if unknown:
        raise UsageError(f"unknown lint config key(s): {', '.join(unknown)}", where=where)
    ignored = _strs(section.get("ignore"), "ignore", where) + _strs(
        section.get("ignored"), "ignored", where
    )
    overrides: list[tuple[str, Severity]] = []
    sev_map = section.get("severity") or {}
    if not isinstance(sev_map, dict):
        raise UsageError("`severity` must map rule IDs to severities", where=where)
    for rule_id, sev in sev_map.items():
        if str(sev).lower() in ("none", "ignore", "off"):
            ignored += (str(rule_id),)
        else:
            overrides.append((str(rule_id).upper(), _severity(sev, "severity", where)))
    override = section.get("override") or {}
    if not isinstance(override, dict):
        raise UsageError("`override` must map levels to lists of rule codes", where=where)
    for level, codes in override.items():
        if str(level).lower() in ("none", "ignore", "off"):
            ignored += _strs(codes, f"override.{level}", where)
            continue
        sev = _severity(level, "override", where)
        overrides.extend((c.upper(), sev) for c in _strs(codes, f"override.{level}", where))
    labels = section.get("required-labels", section.get("label-schema")) or {}
    if not isinstance(labels, dict):
        raise UsageError("`required-labels` must map label names to types", where=where)
    threshold = str(section.get("failure-threshold", "low"))
    fail_sev: Severity | None = None
    if threshold.lower() not in ("none", "ignore", "off") and not section.get("no-fail"):
        fail_sev = _severity(threshold, "failure-threshold", where)
    custom: list[CustomRule] = []
    for rel in _strs(section.get("rules"), "rules", where):
        custom.extend(load_rule_file(_inside(base, rel, where)))
    return LintConfig(
        ignored=frozenset(c.strip().upper() for c in ignored),
        overrides=tuple(overrides),
        trusted_registries=_strs(
            section.get("trusted-registries", section.get("trustedRegistries")),
            "trusted-registries",
            where,
        ),
        allowed_images=_strs(section.get("allowed-base-images"), "allowed-base-images", where),
        required_labels=tuple((str(k), str(v)) for k, v in labels.items()),
        strict_labels=bool(section.get("strict-labels", False)),
        failure_threshold=fail_sev,
        require_digest=bool(section.get("require-digest", False)),
        disable_pragmas=bool(
            section.get("disable-pragmas", section.get("disable-ignore-pragma", False))
        ),
        custom_rules=tuple(custom),
        source=where,
    )
