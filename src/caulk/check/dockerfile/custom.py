"""Users' own rules, from YAML files in two forms.

dockerfile_lint profiles (unchanged files work):

    line_rules:
      FROM:
        paramSyntaxRegex: /^[\\w./-]+(:[\\w.-]+)?( as \\w+)?$/i
        rules:
          - {label: is_latest_tag, regex: /latest/, level: error, message: "…",
             reference_url: ["https://docs.docker.com/…", "#from"]}
      LABEL:
        rules:
          - {label: maintainer, regex: /maintainer=/, inverse_rule: true, level: warn, …}
    required_instructions:
      - {instruction: EXPOSE, count: 1, level: info, message: "…"}

caulk's richer form matches on instruction, stage and the parsed shell commands of RUN:

    rules:
      - id: ACME-001
        severity: high
        title: telnet must not be installed
        instruction: RUN
        stage: final                  # any (default), final or a stage name
        command: apt-get              # a shell command of the RUN …
        args: [install, telnet]       # … with all these arguments
        regex: 'telnet'               # and/or a regex on the instruction's arguments
        inverse: false                # true: report when nothing in the stage matches
        remediation: use ssh
        url: https://wiki.example.com/ACME-001
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caulk.check.dockerfile.jsregex import JsRegexError, translate
from caulk.check.dockerfile.profiles import read_yaml, resolve_includes
from caulk.errors import UsageError
from caulk.model import Severity

if TYPE_CHECKING:
    import regex as regex_mod  # `re` with a timeout per search; imported when rules exist

    from caulk.check.dockerfile.context import Hit, LintContext
    from caulk.check.dockerfile.syntax import Instruction

__all__ = [
    "RULE_BUDGET_SECONDS",
    "CustomRule",
    "NameVal",
    "evaluate",
    "load_rule_file",
    "parse_rules",
]

# A user's regex may backtrack catastrophically ((x+x+)+y): each rule gets this much matching
# time per Dockerfile, then it is skipped and the overrun is reported as a finding of that rule.
RULE_BUDGET_SECONDS = 2.0

_LEVELS = {"error": Severity.HIGH, "warn": Severity.MEDIUM, "warning": Severity.MEDIUM,
           "info": Severity.LOW, "style": Severity.INFO}  # fmt: skip


@dataclass(frozen=True, slots=True)
class NameVal:
    """dockerfile_lint `defined_namevals` / `nameval_defaults` of LABEL, ENV or ARG.

    key set: the pair named `key` (case-insensitive unless `match_case`) must match
    `value_regex`, or (`required`) must exist. key None: the defaults, for every pair whose name
    is not in `known`: the name must match `key_regex`, the value `value_regex`."""

    key: str | None
    match_case: bool = False
    value_regex: regex_mod.Pattern[str] | None = None
    required: bool = False
    key_regex: regex_mod.Pattern[str] | None = None
    known: tuple[str, ...] = ()
    key_message: str = ""

    def names(self, name: str) -> bool:
        if self.key is None:
            return not any(_same_key(k, name, False) for k in self.known)
        return _same_key(self.key, name, self.match_case)


def _same_key(defined: str, name: str, match_case: bool) -> bool:
    return defined == name or (not match_case and defined.upper() == name.upper())


@dataclass(frozen=True, slots=True)
class CustomRule:
    id: str
    severity: Severity
    title: str
    message: str
    remediation: str = ""
    url: str = ""
    instructions: tuple[str, ...] = ()  # empty: any instruction
    stage: str = "any"
    regex: regex_mod.Pattern[str] | None = None
    command: str | None = None
    args: tuple[str, ...] = ()
    inverse: bool = False
    count: int = 0  # required_instructions: at least this many
    syntax: bool = False  # dockerfile_lint paramSyntaxRegex: report when it does NOT match
    nameval: NameVal | None = None  # dockerfile_lint defined_namevals / nameval_defaults
    # dockerfile_lint semantics: only top-level instructions (ONBUILD RUN is an ONBUILD), and an
    # inverse rule reports every instruction it does not match (caulk's: once, when none does)
    dockerfile_lint: bool = False


def load_rule_file(path: Path) -> list[CustomRule]:
    return parse_rules(read_yaml(path), where=str(path))


def parse_rules(data: Any, *, where: str) -> list[CustomRule]:
    if not isinstance(data, dict):
        raise UsageError("a rule file must be a mapping", where=where)
    out: list[CustomRule] = []
    if "line_rules" in data or "required_instructions" in data:
        out.extend(_dockerfile_lint(data, where))
    if "rules" in data:
        out.extend(_caulk_rules(data["rules"], where))
    if not out and not ("line_rules" in data or "required_instructions" in data):
        raise UsageError("no `rules`, `line_rules` or `required_instructions` found", where=where)
    return out


def _regex(text: Any, where: str, what: str) -> regex_mod.Pattern[str]:
    """`/…/flags` is a JavaScript regex (dockerfile_lint), translated; anything else is Python."""
    src = str(text)
    flags = 0
    m = re.fullmatch(r"/(.*)/([a-z]*)", src, re.S)
    if m:
        try:
            src, flags = translate(m.group(1), m.group(2))
        except JsRegexError as exc:
            raise UsageError(f"{what}: cannot use regex {text!r}: {exc}", where=where) from None
    import regex as regex_mod

    try:
        return regex_mod.compile(src, flags)
    except regex_mod.error as exc:
        raise UsageError(f"{what}: invalid regex {text!r}: {exc}", where=where) from None


def _url(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return str(value or "")


def _level(value: Any, where: str, what: str = "") -> Severity:
    text = str(value or "warn").lower()
    if text in _LEVELS:
        return _LEVELS[text]
    try:
        return Severity.parse(text)
    except UsageError:
        at = f"{what}.level: " if what else ""
        raise UsageError(
            f"{at}unknown rule level {value!r} (dockerfile_lint levels: error, warn, info)",
            where=where,
        ) from None


def _dockerfile_lint(data: dict[str, Any], where: str) -> Iterator[CustomRule]:
    data = resolve_includes(data, where)
    line_rules = data.get("line_rules") or {}
    if not isinstance(line_rules, dict):
        raise UsageError("`line_rules` must be a mapping of instructions", where=where)
    for instr, spec in line_rules.items():
        if not isinstance(spec, dict):
            raise UsageError(f"line_rules.{instr} must be a mapping", where=where)
        kw = str(instr).upper()
        unknown = sorted(set(map(str, spec)) - _LINE_RULE_KEYS)
        if unknown:
            raise UsageError(
                f"line_rules.{instr}.{unknown[0]} is not a dockerfile_lint line-rule key"
                f" (known: {', '.join(sorted(_LINE_RULE_KEYS))})",
                where=where,
            )
        yield from _namevals(kw, spec, where)
        if spec.get("paramSyntaxRegex"):
            yield CustomRule(
                id=f"DFL-{kw}-syntax",
                severity=Severity.HIGH,
                title=f"Invalid parameters for {kw}",
                message=f"{kw} arguments do not match the profile's syntax",
                instructions=(kw,),
                regex=_regex(spec["paramSyntaxRegex"], where, f"line_rules.{instr}"),
                syntax=True,
                dockerfile_lint=True,
            )
        for k, r in enumerate(spec.get("rules") or ()):
            if not isinstance(r, dict) or "regex" not in r:
                raise UsageError(f"line_rules.{instr}.rules[{k}] needs a regex", where=where)
            label = str(r.get("label") or f"{kw.lower()}_{k}")
            yield CustomRule(
                id=label,
                severity=_level(r.get("level"), where, f"line_rules.{instr}.rules[{k}]"),
                title=str(r.get("message") or label),
                message=str(r.get("message") or label),
                remediation=str(r.get("description") or ""),
                url=_url(r.get("reference_url")),
                instructions=(kw,),
                regex=_regex(r["regex"], where, f"line_rules.{instr}.rules[{k}]"),
                inverse=bool(r.get("inverse_rule", False)),
                dockerfile_lint=True,
            )
    for k, r in enumerate(data.get("required_instructions") or ()):
        if not isinstance(r, dict) or "instruction" not in r:
            raise UsageError(f"required_instructions[{k}] needs an instruction", where=where)
        kw = str(r["instruction"]).upper()
        yield CustomRule(
            id=str(r.get("label") or f"required-{kw.lower()}"),
            severity=_level(r.get("level"), where),
            title=str(r.get("message") or f"{kw} is required"),
            message=str(r.get("message") or f"{kw} is required"),
            remediation=str(r.get("description") or ""),
            url=_url(r.get("reference_url")),
            instructions=(kw,),
            count=int(r.get("count", 1) or 1),
            dockerfile_lint=True,
        )


_LINE_RULE_KEYS = frozenset({"paramSyntaxRegex", "rules", "defined_namevals", "nameval_defaults"})
_NAMEVAL_INSTRUCTIONS = ("LABEL", "ENV", "ARG")


def _namevals(kw: str, spec: dict[str, Any], where: str) -> Iterator[CustomRule]:
    """`defined_namevals` (a mapping of names; a list of such mappings is read as one) and
    `nameval_defaults`, with dockerfile_lint's messages and levels."""
    defined = spec.get("defined_namevals") or {}
    defaults = spec.get("nameval_defaults")
    if not defined and not defaults:
        return
    if kw not in _NAMEVAL_INSTRUCTIONS:
        raise UsageError(
            f"line_rules.{kw}: defined_namevals/nameval_defaults apply only to LABEL, ENV and"
            " ARG (dockerfile_lint ignores them elsewhere)",
            where=where,
        )
    if isinstance(defined, list) and all(isinstance(d, dict) for d in defined):
        defined = {k: v for d in defined for k, v in d.items()}
    if not isinstance(defined, dict):
        raise UsageError(f"line_rules.{kw}.defined_namevals must be a mapping", where=where)
    for key, r in defined.items():
        if not isinstance(r, dict):
            continue  # dockerfile_lint skips empty entries
        what = f"line_rules.{kw}.defined_namevals.{key}"
        level = _level(r.get("level") or "error", where, what)
        url = _url(r.get("reference_url"))
        match_case = bool(r.get("matchKeyCase", False))
        if r.get("valueRegex"):
            message = str(r.get("message") or f"Value for {key} is not in required format")
            yield CustomRule(
                id=f"DFL-{kw}-{key}",
                severity=level,
                title=message,
                message=message,
                url=url,
                instructions=(kw,),
                dockerfile_lint=True,
                nameval=NameVal(
                    str(key), match_case, value_regex=_regex(r["valueRegex"], where, what)
                ),
            )
        required = r.get("required")
        if required is True or required == "recommended":
            strict = required is True
            message = (
                f"{'Required' if strict else 'Recommended'} {kw} name/key '{key}' is not defined"
            )
            yield CustomRule(
                id=f"DFL-{kw}-{key}-{'required' if strict else 'recommended'}",
                severity=Severity.HIGH if strict else Severity.MEDIUM,
                title=message,
                message=message,
                url=url,
                instructions=(kw,),
                dockerfile_lint=True,
                nameval=NameVal(str(key), match_case, required=True),
            )
    if isinstance(defaults, dict):
        what = f"line_rules.{kw}.nameval_defaults"
        yield CustomRule(
            id=f"DFL-{kw}-defaults",
            severity=_level(defaults.get("level") or "error", where, what),
            title=f"{kw} name/value not in required format",
            message=str(defaults.get("value_error_message") or "is not in required format"),
            url=_url(defaults.get("reference_url")),
            instructions=(kw,),
            dockerfile_lint=True,
            nameval=NameVal(
                None,
                key_regex=_regex(defaults["keyRegex"], where, what)
                if defaults.get("keyRegex")
                else None,
                value_regex=_regex(defaults["valueRegex"], where, what)
                if defaults.get("valueRegex")
                else None,
                known=tuple(map(str, defined)),
                key_message=str(defaults.get("name_error_message") or "is not in required format"),
            ),
        )
    elif defaults is not None:
        raise UsageError(f"line_rules.{kw}.nameval_defaults must be a mapping", where=where)


def _caulk_rules(items: Any, where: str) -> Iterator[CustomRule]:
    if not isinstance(items, list):
        raise UsageError("`rules` must be a list", where=where)
    for k, r in enumerate(items):
        if not isinstance(r, dict) or not r.get("id"):
            raise UsageError(f"rules[{k}] needs an id", where=where)
        rid = str(r["id"])
        if rid.upper().startswith("CK-"):
            raise UsageError(f"rules[{k}]: ids starting with CK- are reserved", where=where)
        instr = r.get("instruction") or ()
        instrs = (instr,) if isinstance(instr, str) else tuple(instr)
        args = r.get("args") or ()
        yield CustomRule(
            id=rid,
            severity=_level(r.get("severity", "medium"), where),
            title=str(r.get("title") or rid),
            message=str(r.get("message") or r.get("title") or rid),
            remediation=str(r.get("remediation") or ""),
            url=str(r.get("url") or ""),
            instructions=tuple(str(i).upper() for i in instrs),
            stage=str(r.get("stage", "any")).lower(),
            regex=_regex(r["regex"], where, f"rules[{k}]") if r.get("regex") else None,
            command=str(r["command"]) if r.get("command") else None,
            args=(args,) if isinstance(args, str) else tuple(str(a) for a in args),
            inverse=bool(r.get("inverse", False)),
        )


class _Budget:
    """Matching time left for one rule on one Dockerfile; TimeoutError once it is spent."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def search(self, pattern: regex_mod.Pattern[str], text: str) -> bool:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return pattern.search(text, timeout=left) is not None


def _matches(
    rule: CustomRule, ctx: LintContext, ins: Instruction, eff: Instruction, budget: _Budget
) -> bool:
    if rule.instructions and eff.keyword not in rule.instructions:
        return False
    if rule.regex is not None and not budget.search(rule.regex, eff.args):
        return False
    if rule.command is not None:
        cmds = [c for run in ctx.runs_at(ins.index) for c in run.commands]
        if not any(c.name == rule.command and all(a in c.args for a in rule.args) for c in cmds):
            return False
    return True


def _in_stage(rule: CustomRule, ctx: LintContext, stage: int) -> bool:
    if rule.stage == "any":
        return True
    if rule.stage == "final":
        return bool(ctx.stages) and stage == len(ctx.stages) - 1
    return 0 <= stage < len(ctx.stages) and ctx.stages[stage].name == rule.stage


def evaluate(
    rule: CustomRule, ctx: LintContext, budget_seconds: float = RULE_BUDGET_SECONDS
) -> Iterator[Hit]:
    """The rule's hits; a rule whose regex runs out of time reports that instead of hanging."""
    from caulk.check.dockerfile.context import Hit
    from caulk.check.rules import Rule

    budget = _Budget(budget_seconds)
    try:
        yield from _evaluate(rule, ctx, budget)
    except TimeoutError:
        as_rule = Rule(rule.id, rule.severity, rule.title, rule.remediation, category="custom")
        message = (
            f"custom rule {rule.id} skipped: its regex needed more than "
            f"{budget.seconds:g} s on this Dockerfile (catastrophic backtracking?)"
        )
        yield Hit(as_rule, message, None, docs_url=rule.url or None)


def _evaluate(rule: CustomRule, ctx: LintContext, budget: _Budget) -> Iterator[Hit]:
    from caulk.check.dockerfile.context import Hit
    from caulk.check.rules import Rule

    as_rule = Rule(rule.id, rule.severity, rule.title, rule.remediation, category="custom")
    scope = ((i, i) for i in ctx.instructions) if rule.dockerfile_lint else ctx.effective()
    pairs = [(i, e) for i, e in scope if _in_stage(rule, ctx, i.stage)]
    if rule.count:
        n = sum(1 for _, e in pairs if e.keyword in rule.instructions)
        if n < rule.count:
            yield Hit(as_rule, rule.message, None, docs_url=rule.url or None)
        return
    if rule.nameval is not None:
        yield from _nameval_hits(rule, rule.nameval, as_rule, pairs, budget)
        return
    if rule.syntax:
        for ins, eff in pairs:
            if (
                eff.keyword in rule.instructions
                and rule.regex
                and not budget.search(rule.regex, eff.args)
            ):
                yield Hit(
                    as_rule, f"{rule.message}: {eff.args[:80]}", ins, docs_url=rule.url or None
                )
        return
    if rule.inverse and rule.dockerfile_lint:
        for ins, eff in pairs:
            if (
                eff.keyword in rule.instructions
                and rule.regex
                and not budget.search(rule.regex, eff.args)
            ):
                yield Hit(as_rule, rule.message, ins, docs_url=rule.url or None)
        return
    hits = [ins for ins, eff in pairs if _matches(rule, ctx, ins, eff, budget)]
    if rule.inverse:
        if not hits:
            anchor = (
                ctx.stages[-1].from_instruction if rule.stage == "final" and ctx.stages else None
            )
            yield Hit(as_rule, rule.message, anchor, docs_url=rule.url or None)
        return
    for ins in hits:
        yield Hit(as_rule, rule.message, ins, docs_url=rule.url or None)


def _nameval_hits(
    rule: CustomRule,
    nv: NameVal,
    as_rule: Any,
    pairs: list[tuple[Instruction, Instruction]],
    budget: _Budget,
) -> Iterator[Hit]:
    from caulk.check.dockerfile.context import Hit

    url = rule.url or None
    seen = False
    for ins, eff in pairs:
        if eff.keyword not in rule.instructions:
            continue
        for pair in eff.pairs:
            if not nv.names(pair.key):
                continue
            seen = True
            shown = f"{pair.key}={pair.value or ''}"
            if nv.key_regex is not None and not budget.search(nv.key_regex, pair.key):
                yield Hit(as_rule, f"{nv.key_message} ->'{shown}'", ins, docs_url=url)
            if nv.value_regex is not None and not budget.search(nv.value_regex, pair.value or ""):
                yield Hit(as_rule, f"{rule.message} ->'{shown}'", ins, docs_url=url)
    if nv.required and not seen:
        yield Hit(as_rule, rule.message, None, docs_url=url)
