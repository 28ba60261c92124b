"""dockerfile_lint profiles: upstream's own sample profiles (tests/fixtures/dockerfile_lint) load;
every JavaScript regex in them means in caulk what it means in Node.js on real Dockerfile lines;
`profile.includes`, `defined_namevals` and `nameval_defaults` work as in dockerfile_lint; what
cannot be honoured is refused with the reason."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from caulk.check.dockerfile import LintConfig
from caulk.check.dockerfile.custom import load_rule_file, parse_rules
from caulk.check.dockerfile.jsregex import JsRegexError, translate
from caulk.check.dockerfile.parser import parse
from caulk.errors import UsageError
from tests.unit.check.dockerfile.helpers import DEV_FIXTURES, run_lint

PROFILES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "dockerfile_lint"
SAMPLES = sorted(p.name for p in PROFILES.glob("*.yaml"))
_KEYS = ("regex", "paramSyntaxRegex", "valueRegex", "keyRegex")


def test_all_nine_upstream_samples_are_here() -> None:
    assert len(SAMPLES) == 9 and "security_rules.yaml" in SAMPLES


# The one upstream sample caulk refuses, and why: dockerfile_lint itself crashes on it (its
# result object has no "true" level) the first time that rule fires.
REFUSED = {
    "recommended_label_rules.yaml": "line_rules.LABEL.defined_namevals.Architecture.level:"
    " unknown rule level 'true' (dockerfile_lint levels: error, warn, info)"
}


@pytest.mark.parametrize("name", SAMPLES)
def test_upstream_sample_profile_loads(name: str) -> None:
    if name in REFUSED:
        with pytest.raises(UsageError, match=re.escape(REFUSED[name])):
            load_rule_file(PROFILES / name)
        return
    rules = load_rule_file(PROFILES / name)
    assert rules
    result = run_lint(
        (DEV_FIXTURES / "0005.Dockerfile").read_bytes(), LintConfig(custom_rules=tuple(rules))
    )
    assert result.findings


def _literals(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _KEYS and isinstance(value, str) and value.startswith("/"):
                found.append(value)
            else:
                found.extend(_literals(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_literals(item))
    return found


def _corpus() -> list[str]:
    lines: set[str] = set()
    for path in sorted(DEV_FIXTURES.glob("*.Dockerfile")):
        for ins in parse(path.read_bytes()).instructions:
            lines.add(ins.args)
            lines.add(f"{ins.raw_keyword} {ins.args}")
    extra = ["", "root", "0", "1000", "x86_64", "ppc64le", "fedora:latest", "a b", "\n", "a\n"]
    return sorted(lines) + extra


def test_every_sample_regex_means_what_it_means_in_nodejs() -> None:
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is required (scripts/system-deps.sh: nodejs)"
    literals: set[str] = set()
    for name in SAMPLES:
        text = (PROFILES / name).read_text(encoding="utf-8")
        literals.update(_literals(yaml.safe_load(re.sub(r"[ \t]+$", "", text, flags=re.M))))
    assert len(literals) >= 40, len(literals)
    full = _corpus()
    cases = []
    for literal in sorted(literals):
        body, _, flags = literal[1:].rpartition("/")
        # nested quantifiers ((x+\s*)+$) backtrack exponentially in both engines on a long line
        # that fails late: those get the lines' first 14 characters
        nested = re.search(r"\([^()]*[+*][^()]*\)[+*]|[+*]\)[+*]", body) is not None
        corpus = sorted({s[:14] for s in full}) if nested else full
        cases.append({"body": body, "flags": flags, "corpus": corpus})
    script = (
        "const d=JSON.parse(require('fs').readFileSync(0,'utf8'));"
        "process.stdout.write(JSON.stringify(d.map(c=>"
        "c.corpus.map(s=>new RegExp(c.body,c.flags).test(s)))));"
    )
    out = subprocess.run(
        [node, "-e", script],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = json.loads(out)
    mismatches = []
    for case, js in zip(cases, expected, strict=True):
        pattern, flags = translate(case["body"], case["flags"])
        py = re.compile(pattern, flags)
        for s, want in zip(case["corpus"], js, strict=True):
            if bool(py.search(s)) != want:
                mismatches.append((case["body"], case["flags"], s[:60], want))
    assert not mismatches, mismatches[:10]


@pytest.mark.parametrize(
    ("body", "flags", "text", "matches"),
    [
        (r"^[\w-.]+$", "", "a-b.c", True),  # JS: literal hyphen beside \w
        (r"[]", "", "x", False),
        (r"[^]", "", "\n", True),
        (r"^a$", "", "a\n", False),  # JS `$` is the very end
        (r"^a$", "m", "a\nb", True),
        (r"\d", "", "\u0663", False),  # \d is ASCII in JavaScript
        (r"(?<y>\d+)-\k<y>", "", "12-12", True),
        (r"\cJ", "", "\n", True),
        (r"\a", "", "a", True),  # identity escape, not BEL
        (r"b", "y", "ab", False),  # sticky: at the start only
    ],
)
def test_translation(body: str, flags: str, text: str, matches: bool) -> None:
    pattern, py_flags = translate(body, flags)
    assert bool(re.search(pattern, text, py_flags)) is matches


@pytest.mark.parametrize(
    ("body", "flags", "reason"),
    [(r"\p{L}", "u", "Unicode property escape"), ("a", "v", "set notation"), ("a", "q", "unknown")],
)
def test_untranslatable_regex_is_refused(body: str, flags: str, reason: str) -> None:
    with pytest.raises(JsRegexError, match=reason):
        translate(body, flags)
    with pytest.raises(UsageError, match=reason):
        parse_rules({"line_rules": {"RUN": {"paramSyntaxRegex": f"/{body}/{flags}"}}}, where="p")


LABEL_DOCKERFILE = (
    "FROM fedora:39\n"
    'LABEL Authoritative_Registry="" BZComponent=abc Vendor="ACME" custom=x\n'
    "ENV MYSQL_IP=not-an-ip\n"
    "USER 10001\n"
)


def _findings(profile: Path, text: str) -> list[tuple[str, str]]:
    config = LintConfig(custom_rules=tuple(load_rule_file(profile)))
    return sorted(
        (f.rule_id, f.message)
        for f in run_lint(text, config).findings
        if f.rule_id.startswith(("DFL-", "required-"))
    )


def test_defined_namevals_and_nameval_defaults_of_label_rules() -> None:
    got = _findings(PROFILES / "label_rules.yaml", LABEL_DOCKERFILE)
    assert got == [
        ("DFL-ENV-MYSQL_IP", "ENV 'MYSQL_IP' is has invalid format ->'MYSQL_IP=not-an-ip'"),
        ("DFL-LABEL-Authoritative_Registry",
         "Label 'Authoritative_Registry' has invalid format ->'Authoritative_Registry='"),
        ("DFL-LABEL-BZComponent", "Label 'BZComponent' has invalid format ->'BZComponent=abc'"),
        ("DFL-LABEL-Created_TimeStamp-recommended",
         "Recommended LABEL name/key 'Created_TimeStamp' is not defined"),
        ("DFL-LABEL-VendorID-required", "Required LABEL name/key 'VendorID' is not defined"),
    ]  # fmt: skip
    fixed = LABEL_DOCKERFILE.replace('Authoritative_Registry=""', "authoritative_registry=r")
    fixed = fixed.replace("BZComponent=abc", "BZComponent=12 VendorID=7 Created_TimeStamp=now")
    fixed = fixed.replace("not-an-ip", "10.0.0.1")
    assert _findings(PROFILES / "label_rules.yaml", fixed) == []  # keys match any case


def test_openshift_list_of_namevals_is_read_as_one_mapping() -> None:
    got = _findings(PROFILES / "openshift.yaml", "FROM a:1\nLABEL io.openshift.tags=x\n")
    ids = {rule for rule, _ in got}
    assert "DFL-LABEL-io.openshift.wants-required" in ids
    assert "DFL-LABEL-io.openshift.tags-required" not in ids


def test_includes_merge_like_dockerfile_lint(tmp_path: Path) -> None:
    for name in ("security_rules.yaml", "label_rules.yaml"):
        shutil.copy(PROFILES / name, tmp_path / name)
    (tmp_path / "team.yaml").write_text(
        "profile:\n  includes: [security_rules.yaml, label_rules.yaml]\n"
        "line_rules:\n  RUN:\n    rules:\n"
        "      - {label: no_wget, regex: /wget/, level: info, message: use curl}\n"
        "required_instructions:\n"
        "  - {instruction: USER, count: 1, level: info, message: team wants a USER}\n"
    )
    rules = {r.id: r for r in load_rule_file(tmp_path / "team.yaml")}
    assert {"no_run_with_sudo", "no_wget", "DFL-LABEL-VendorID-required"} <= set(rules)
    required_user = [r for r in rules.values() if r.count and r.instructions == ("USER",)]
    assert [r.message for r in required_user] == ["team wants a USER"]  # the includer wins
    got = _findings(tmp_path / "team.yaml", "FROM a:1\nRUN sudo wget http://x\n")
    assert {"DFL-LABEL-VendorID-required"} <= {rule for rule, _ in got}


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ({"a.yaml": "profile: {includes: [b.yaml]}\nline_rules: {}\n",
          "b.yaml": "profile: {includes: [a.yaml]}\nline_rules: {}\n"},
         "cyclic include of 'a.yaml': a.yaml -> b.yaml -> a.yaml"),
        ({"a.yaml": "profile: {includes: [../x.yaml]}\nline_rules: {}\n"},
         "must name a file beside a.yaml"),
        ({"a.yaml": "profile: {includes: [gone.yaml]}\nline_rules: {}\n"},
         "cannot read included profile"),
        ({"a.yaml": "line_rules: {}\ndiscouraged_instructions: [ADD]\n"},
         "`discouraged_instructions` cannot be honoured"),
        ({"a.yaml": "line_rules:\n  RUN: {defined_namevals: {X: {required: true}}}\n"},
         "apply only to LABEL, ENV and ARG"),
        ({"a.yaml": "line_rules:\n  RUN: {paramSyntax: /x/}\n"},
         "line_rules.RUN.paramSyntax is not a dockerfile_lint line-rule key"),
    ],
)  # fmt: skip
def test_what_cannot_be_honoured_is_refused(
    tmp_path: Path, files: dict[str, str], error: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(UsageError, match=re.escape(error)):
        load_rule_file(tmp_path / "a.yaml")
