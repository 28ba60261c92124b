"""Config files (.caulk.yaml, hadolint's .hadolint.yaml), pragmas and users' own rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.check.dockerfile import LintConfig, load_config
from caulk.check.dockerfile.custom import load_rule_file
from caulk.errors import UsageError
from caulk.model import Severity
from tests.conftest import run_caulk_subprocess
from tests.unit.check.dockerfile.helpers import codes, run_lint

TAIL = "USER 10001\nHEALTHCHECK NONE\n"


def test_hadolint_pragmas_and_caulk_pragmas() -> None:
    text = (
        "# hadolint global ignore=DL3003\n"
        "FROM debian:12\n"
        "# hadolint ignore=DL3008,DL3015\n"
        "RUN apt-get install -y curl && cd /x\n"
        "# caulk ignore=CK-DF-040\n"
        "RUN apt-get install -y git\n"
        "RUN apt-get install -y vim\n" + TAIL
    )
    result = run_lint(text)
    pins = [f.location.line for f in result.findings if f.rule_id == "CK-DF-040"]
    assert pins == [7]
    assert "CK-DF-081" not in {f.rule_id for f in result.findings}
    assert "CK-DF-042" in {f.rule_id for f in result.findings}  # only ignored on line 4
    assert result.suppressed >= 3
    off = run_lint(text, LintConfig(disable_pragmas=True))
    assert len([f for f in off.findings if f.rule_id == "CK-DF-040"]) == 3


def test_hadolint_yaml_is_understood(tmp_path: Path) -> None:
    (tmp_path / ".hadolint.yaml").write_text(
        "ignored: [DL3008]\n"
        "override:\n  error: [DL3015]\n  info: [DL3006]\n"
        "trustedRegistries: [ghcr.io]\n"
        "label-schema: {org.opencontainers.image.source: url, version: semver}\n"
        "strict-labels: true\n"
        "failure-threshold: error\n"
    )
    config = load_config(tmp_path / ".hadolint.yaml")
    assert config.failure_threshold == Severity.HIGH
    text = "FROM debian\nLABEL version=one extra=x\nRUN apt-get install -y curl\n" + TAIL
    result = run_lint(text, config)
    by_id = {f.rule_id: f for f in result.findings}
    assert "CK-DF-040" not in by_id
    assert by_id["CK-DF-042"].severity == Severity.HIGH
    assert by_id["CK-DF-010"].severity == Severity.LOW
    assert "CK-DF-013" in by_id  # docker.io is not trusted
    assert "CK-DF-121" in by_id and "CK-DF-122" in by_id and "CK-DF-123" in by_id
    assert result.failed


def test_caulk_yaml_with_lint_section_and_rules(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(
        "rules:\n"
        "  - id: ACME-001\n    severity: high\n    title: no telnet\n"
        "    instruction: RUN\n    command: apt-get\n    args: [install, telnet]\n"
        "    url: https://wiki.example.com/ACME-001\n"
        "  - id: ACME-002\n    title: final stage needs EXPOSE\n    instruction: EXPOSE\n"
        "    stage: final\n    inverse: true\n"
    )
    (tmp_path / ".caulk.yaml").write_text(
        "lint:\n  ignore: [CK-DF-040]\n  severity: {CK-DF-088: critical, CK-DF-033: none}\n"
        "  allowed-base-images: ['docker.io/library/debian:12*']\n"
        "  require-digest: true\n  failure-threshold: medium\n  rules: [acme.yaml]\n"
    )
    config = load_config(tmp_path / ".caulk.yaml")
    result = run_lint("FROM alpine:3.19\nRUN apt-get install -y telnet\nRUN true\nUSER 1\n", config)
    by_id = {f.rule_id: f for f in result.findings}
    assert by_id["ACME-001"].severity == Severity.HIGH
    assert by_id["ACME-001"].docs_url == "https://wiki.example.com/ACME-001"
    assert "ACME-002" in by_id and "CK-DF-014" in by_id and "CK-DF-012" in by_id
    assert by_id["CK-DF-088"].severity == Severity.CRITICAL
    assert "CK-DF-033" not in by_id and "CK-DF-040" not in by_id


def test_dockerfile_lint_profile(tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "profile: {name: Default}\n"
        "line_rules:\n"
        "  FROM:\n"
        "    paramSyntaxRegex: /^[\\w./\\-:@]+( as \\w+)?$/i\n"
        "    rules:\n"
        "      - label: is_latest_tag\n        regex: /latest/\n        level: error\n"
        '        message: "base image uses the latest tag"\n'
        '        reference_url: ["https://docs.docker.com/reference/dockerfile/", "#from"]\n'
        "  LABEL:\n"
        "    rules:\n"
        "      - label: maintainer_label\n        regex: /maintainer=/\n"
        "        inverse_rule: true\n        level: warn\n        message: no maintainer label\n"
        "required_instructions:\n"
        "  - instruction: EXPOSE\n    count: 1\n    level: info\n    message: no EXPOSE\n"
    )
    config = LintConfig(custom_rules=tuple(load_rule_file(profile)))
    result = run_lint("FROM nginx:latest\nLABEL version=1\n" + TAIL, config)
    by_id = {f.rule_id: f for f in result.findings}
    assert by_id["is_latest_tag"].severity == Severity.HIGH
    assert by_id["is_latest_tag"].docs_url == "https://docs.docker.com/reference/dockerfile/#from"
    assert by_id["maintainer_label"].severity == Severity.MEDIUM
    assert by_id["required-expose"].severity == Severity.LOW
    fine = run_lint("FROM nginx:1.25\nLABEL maintainer=me\nEXPOSE 80\n" + TAIL, config)
    assert not {"is_latest_tag", "maintainer_label", "required-expose"} & {
        f.rule_id for f in fine.findings
    }
    assert "DFL-FROM-syntax" in codes("FROM nginx:1 AS a b\n" + TAIL, config)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lint: [1, 2]\n", "must be a mapping"),
        ("lint:\n  bogus: 1\n", "unknown lint config key"),
        ("lint:\n  shell-parser: bashlex\n", "unknown lint config key(s): shell-parser"),
        ("lint:\n  failure-threshold: loud\n", "unknown severity"),
        ("lint:\n  rules: [missing.yaml]\n", "cannot read rule file"),
        ("lint: {rules: [bad.yaml]}\n", "invalid regex"),
        ("{{{\n", "not valid YAML"),
    ],
)
def test_bad_config_is_a_usage_error_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "bad.yaml").write_text("rules:\n  - {id: X-1, regex: '(unclosed'}\n")
    path = tmp_path / ".caulk.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(tmp_path) in str(info.value)


SECRET = "[default]\naws_secret_access_key = AKIAFAKESECRETKEY0000\n"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("[/etc/passwd]", "must be a relative path"),
        ("['../home/.aws/credentials']", "outside the config's directory"),
        ("[link.yaml]", "outside the config's directory"),  # a symlink out of the tree
    ],
)
def test_rule_files_are_confined_to_the_config_tree(
    tmp_path: Path, rules: str, message: str
) -> None:
    """Issue 9 item 10: a config found in a cloned repository cannot read the host's files."""
    (tmp_path / "home" / ".aws").mkdir(parents=True)
    (tmp_path / "home" / ".aws" / "credentials").write_text(SECRET)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "link.yaml").symlink_to(tmp_path / "home" / ".aws" / "credentials")
    path = repo / ".hadolint.yaml"
    path.write_text(f"rules: {rules}\n")
    with pytest.raises(UsageError) as info:
        load_config(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert "AKIA" not in str(info.value)


def test_broken_yaml_is_reported_without_echoing_the_file(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("rules:\n  - {id: X-1, regex: 'AKIAFAKESECRETKEY0000\n")
    path = tmp_path / ".caulk.yaml"
    path.write_text("lint: {rules: [rules.yaml]}\n")
    with pytest.raises(UsageError) as info:
        load_config(path)
    text = str(info.value)
    assert "rules.yaml" in text and "not valid YAML" in text and "line " in text
    assert "AKIA" not in text
    path.write_text("lint:\n  ignore: [" + SECRET)
    with pytest.raises(UsageError) as info:
        load_config(path)
    assert "AKIA" not in str(info.value) and "not valid YAML" in str(info.value)


def test_lint_cli_refuses_a_config_reaching_out_of_the_repository(tmp_path: Path) -> None:
    secret = tmp_path / "credentials"
    secret.write_text(SECRET)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".hadolint.yaml").write_text(f"rules: [{secret}]\n")
    (repo / "Dockerfile").write_text("FROM debian:12\n")
    run = run_caulk_subprocess("lint", "Dockerfile", cwd=repo)
    assert run.code == 2, run
    assert run.stderr.count("\n") == 1 and ".hadolint.yaml" in run.stderr, run
    assert "AKIA" not in run.stderr + run.stdout and "Traceback" not in run.stderr


def test_the_removed_shell_parser_option_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:12\n")
    run = run_caulk_subprocess("lint", "--shell-parser", "bashlex", "Dockerfile", cwd=tmp_path)
    assert run.code == 2, run
    assert "--shell-parser" in run.stderr and "Traceback" not in run.stderr, run
