# ruff: noqa: E501 - the CASES table keeps one rule per line
"""Each rule: a Dockerfile that triggers it and one that does not (the fix)."""

from __future__ import annotations

import pytest

from caulk.check.dockerfile import LintConfig
from caulk.check.dockerfile import ruleset as cat
from caulk.check.rules import get_rule
from tests.unit.check.dockerfile.helpers import codes, run_lint

OK_TAIL = "USER 10001\nHEALTHCHECK CMD true\n"
# (rule, bad Dockerfile, good Dockerfile); both get OK_TAIL appended unless they end a stage.
CASES = [
    ("CK-DF-002", 'FROM a:1\nCMD [nginx, "-g"]\n', 'FROM a:1\nCMD ["nginx", "-g"]\n'),
    ("CK-DF-003", "LABEL a=b\nFROM a:1\n", "ARG V=1\nFROM a:$V\n"),
    ("CK-DF-004", "FROM a:1\nMAINTAINER me\n", "FROM a:1\nLABEL org.opencontainers.image.authors=me\n"),
    ("CK-DF-010", "FROM debian\n", "FROM debian:12\n"),
    ("CK-DF-010", "ARG B=debian\nFROM $B\n", "ARG B=debian:12\nFROM $B\n"),
    ("CK-DF-011", "FROM debian:latest\n", "FROM debian:latest@sha256:" + "a" * 64 + "\n"),
    ("CK-DF-015", "FROM --platform=linux/amd64 a:1\n", "FROM --platform=$BUILDPLATFORM a:1\n"),
    ("CK-DF-016", "FROM a:1 AS x\nFROM b:1 AS x\n", "FROM a:1 AS x\nFROM b:1 AS y\n"),
    ("CK-DF-017", "FROM a:1\nCOPY --from=nope /a /a\n", "FROM a:1 AS b\nFROM c:1\nCOPY --from=b /a /a\n"),
    ("CK-DF-018", "FROM a:1 AS me\nCOPY --from=me /a /b\n", "FROM a:1 AS me\nCOPY --from=0 /a /b\n"),
    ("CK-DF-020", "FROM a:1\nHEALTHCHECK CMD true\n", "FROM a:1\nUSER 10001\nHEALTHCHECK CMD true\n"),
    ("CK-DF-021", "FROM a:1\nUSER 1\nUSER root:root\nHEALTHCHECK NONE\n", "FROM a:1\nUSER 0\nUSER 1:0\nHEALTHCHECK NONE\n"),
    ("CK-DF-022", "FROM a:1\nUSER app\n", "FROM a:1\nUSER 1000:1000\n"),
    ("CK-DF-023", "FROM a:1\nRUN sudo make install\n", "FROM a:1\nRUN make install\n"),
    ("CK-DF-024", "FROM a:1\nRUN useradd -u 123456789 app\n", "FROM a:1\nRUN useradd -l -u 123456789 app\n"),
    ("CK-DF-030", "FROM debian:12\nRUN apt-get update && apt-get install -y gcc=12 && rm -rf /var/lib/apt/lists/*\n",
     "FROM debian:12\nRUN apt-get update && apt-get install -y gcc=12 && make && apt-get purge -y --auto-remove gcc && rm -rf /var/lib/apt/lists/*\n"),
    ("CK-DF-031", "FROM golang:1.22 AS b\nENV CGO_ENABLED=0\nRUN go build -o /app .\nFROM alpine:3.19\nCOPY --from=b /app /app\n",
     "FROM golang:1.22 AS b\nENV CGO_ENABLED=0\nRUN go build -o /app .\nFROM scratch\nCOPY --from=b /app /app\n"),
    ("CK-DF-032", "FROM debian:12\n", "FROM debian:12\nRUN find / -xdev -perm /6000 -type f -exec chmod a-s {} \\; || true\n"),
    ("CK-DF-033", "FROM a:1\nUSER 1\n", "FROM a:1\nUSER 1\nHEALTHCHECK CMD curl -f localhost\n"),
    ("CK-DF-035", "FROM a:1\nCMD [\"a\"]\nCMD [\"b\"]\n", "FROM a:1\nCMD [\"b\"]\n"),
    ("CK-DF-037", "FROM a:1\nENTRYPOINT app --x\n", 'FROM a:1\nENTRYPOINT ["app", "--x"]\n'),
    ("CK-DF-040", "FROM d:1\nRUN apt-get install -y --no-install-recommends curl\n",
     "FROM d:1\nRUN apt-get install -y --no-install-recommends curl=8.0 ./x.deb -t bookworm-backports\n"),
    ("CK-DF-041", "FROM d:1\nRUN apt-get update\nRUN apt-get install -y x=1\n", "FROM d:1\nRUN apt-get update && apt-get install -y x=1\n"),
    ("CK-DF-042", "FROM d:1\nRUN apt-get install -y x=1\n", "FROM d:1\nRUN apt-get install -y -o APT::Install-Recommends=false x=1\n"),
    ("CK-DF-043", "FROM d:1\nRUN apt-get update && apt-get install -y x=1 && rm -rf /tmp/x\n",
     "FROM d:1\nRUN apt-get update && apt-get install -y x=1 && rm -rf /var/lib/apt/lists/*\n"),
    ("CK-DF-044", "FROM d:1\nRUN apt-get install x=1\n", "FROM d:1\nRUN apt-get -qq install x=1\n"),
    ("CK-DF-047", "FROM d:1\nRUN apt-get update && apt-get upgrade\n", "FROM d:1\nRUN apt-get update && apt-get upgrade -y\n"),
    ("CK-DF-045", "FROM d:1\nRUN apt install -y x\n", "FROM d:1\nRUN apt-get install -y x=1\n"),
    ("CK-DF-050", "FROM a:1\nRUN apk add --no-cache curl\n", "FROM a:1\nRUN apk add --no-cache -t .deps curl=8.0 git~2\n"),
    ("CK-DF-051", "FROM a:1\nRUN apk add --update curl=8\n", "FROM a:1\nRUN --mount=type=cache,target=/var/cache/apk apk add curl=8\n"),
    ("CK-DF-056", "FROM c:7\nRUN yum install -y a-1\n", "FROM c:7\nRUN yum install -y a-1 && yum clean all\n"),
    ("CK-DF-058", "FROM f:1\nRUN dnf install a-1.0 && dnf clean all\n", "FROM f:1\nRUN dnf install -y a-1.0 && dnf clean all\n"),
    ("CK-DF-060", "FROM f:1\nRUN dnf install -y a && dnf clean all\n", "FROM f:1\nRUN dnf install -y a-1.2 b-$V && dnf clean all\n"),
    ("CK-DF-070", "FROM p:3\nRUN pip install --no-cache-dir flask\n", "FROM p:3\nRUN pip install --no-cache-dir flask==3.0 -r req.txt\n"),
    ("CK-DF-071", "FROM p:3\nRUN python3 -m pip install flask==3.0\n", "FROM p:3\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0\n"),
    ("CK-DF-072", "FROM n:20\nRUN npm install -g left-pad\n", "FROM n:20\nRUN npm install -g left-pad@1.3.0 @scope/x@2\n"),
    ("CK-DF-074", "FROM r:3\nRUN gem install rails\n", "FROM r:3\nRUN gem install rails:7.1\n"),
    ("CK-DF-075", "FROM g:1\nRUN go install example.com/cmd\n", "FROM g:1\nRUN go install example.com/cmd@v1.2.3\n"),
    ("CK-DF-080", "FROM a:1\nRUN wget -qO- x | tar x\n", 'FROM a:1\nSHELL ["/bin/ash", "-eo", "pipefail", "-c"]\nRUN wget -qO- x | tar x\n'),
    ("CK-DF-081", "FROM a:1\nRUN cd /src && make\n", "FROM a:1\nWORKDIR /src\nRUN make\n"),
    ("CK-DF-082", "FROM a:1\nRUN cd /src; make\n", "FROM a:1\nRUN set -e; cd /src; make\n"),
    ("CK-DF-083", "FROM a:1\nRUN curl -fsSL https://get.example.com | sudo sh\n",
     "FROM a:1\nRUN curl -fsSLo i.sh https://get.example.com && sha256sum -c s && sh i.sh\n"),
    ("CK-DF-083", 'FROM a:1\nRUN sh -c "$(wget -qO- https://x/install.sh)"\n', "FROM a:1\nRUN wget -q https://x/i.sh\n"),
    ("CK-DF-084", "FROM a:1\nRUN wget https://x\n", "FROM a:1\nRUN wget -nv https://x\n"),
    ("CK-DF-085", "FROM a:1\nRUN curl -O x\nRUN wget -q y\n", "FROM a:1\nRUN curl -O x && curl -O y\n"),
    ("CK-DF-086", "FROM a:1\nRUN service nginx start\n", "FROM a:1\nRUN nginx -t\n"),
    ("CK-DF-088", "FROM a:1\nRUN a\nRUN b\n", "FROM a:1\nRUN a\n# why\nRUN --network=none b\n"),
    ("CK-DF-089", "FROM a:1\nRUN ln -sf /bin/bash /bin/sh\n", 'FROM a:1\nSHELL ["/bin/bash", "-c"]\n'),
    ("CK-DF-100", "FROM a:1\nADD app /app\n", "FROM a:1\nADD rootfs.tar.xz /\n"),
    ("CK-DF-101", "FROM a:1\nADD https://x/y.tgz /y\n", "FROM a:1\nADD --checksum=sha256:abc https://x/y.tgz /y\n"),
    ("CK-DF-102", "FROM a:1\nCOPY a b /dest\n", "FROM a:1\nCOPY a b /dest/\n"),
    ("CK-DF-103", "FROM a:1\nWORKDIR app\n", "FROM a:1\nWORKDIR /app\n"),
    ("CK-DF-104", "FROM a:1\nEXPOSE 80/tcp 70000\n", "FROM a:1\nEXPOSE 80/tcp 8000-8010\n"),
    ("CK-DF-105", "FROM a:1\nONBUILD FROM b:1\n", "FROM a:1\nONBUILD RUN true\n"),
    ("CK-DF-106", "FROM a:1\nENV A=1 B=$A\n", "FROM a:1\nENV A=1\nENV B=$A\n"),
    ("CK-DF-107", "FROM a:1\nCOPY x rel/\n", "FROM a:1\nWORKDIR /app\nCOPY x rel/\n"),
    ("CK-DF-108", "FROM a:1\nARG GITHUB_TOKEN\n", "FROM a:1\nARG VERSION\n"),
    ("CK-DF-108", "FROM a:1\nENV KEY=AKIAABCDEFGHIJKLMNOP\n", "FROM a:1\nENV KEY=value\n"),
    ("CK-DF-120", "FROM a:1\nLABEL Bad_Key=x\n", "FROM a:1\nLABEL org.example.key=x\n"),
]  # fmt: skip


@pytest.mark.parametrize(("rule_id", "bad", "good"), CASES)
def test_rule_fires_on_bad_and_not_on_good(rule_id: str, bad: str, good: str) -> None:
    assert get_rule(rule_id) is not None
    tail = "" if "USER" in bad or "HEALTHCHECK" in bad else OK_TAIL
    assert rule_id in codes(bad + tail), bad
    tail = "" if "USER" in good or "HEALTHCHECK" in good else OK_TAIL
    assert rule_id not in codes(good + tail), good


def test_every_rule_has_a_case_or_a_config_test() -> None:
    covered = {c[0] for c in CASES} | {
        "CK-DF-001",  # test_parser
        "CK-DF-012", "CK-DF-013", "CK-DF-014", "CK-DF-121", "CK-DF-122", "CK-DF-123",  # config
        "CK-DF-034", "CK-DF-036", "CK-DF-046", "CK-DF-055", "CK-DF-057", "CK-DF-059",
        "CK-DF-061", "CK-DF-062", "CK-DF-063", "CK-DF-064", "CK-DF-073", "CK-DF-076", "CK-DF-109",
    }  # fmt: skip
    assert {r.id for r in cat.ALL} <= covered


@pytest.mark.parametrize(
    ("rule_id", "text"),
    [
        ("CK-DF-034", "FROM a:1\nHEALTHCHECK CMD a\nHEALTHCHECK CMD b\n"),
        ("CK-DF-036", 'FROM a:1\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n'),
        ("CK-DF-046", "FROM d:1\nRUN apt-get install -y x=1\n"),
        ("CK-DF-055", "FROM c:7\nRUN yum install a-1 && yum clean all\n"),
        ("CK-DF-057", "FROM c:7\nRUN yum install -y nginx && yum clean all\n"),
        ("CK-DF-059", "FROM f:1\nRUN microdnf install -y a-1\n"),
        ("CK-DF-061", "FROM s:1\nRUN zypper install a=1 && zypper clean\n"),
        ("CK-DF-062", "FROM s:1\nRUN zypper -n dup\n"),
        ("CK-DF-063", "FROM s:1\nRUN zypper -n install a=1\n"),
        ("CK-DF-064", "FROM s:1\nRUN zypper -n install a && zypper clean\n"),
        ("CK-DF-073", "FROM n:20\nRUN npm ci --omit=dev\n"),
        ("CK-DF-076", "FROM n:20\nRUN yarn install\n"),
        ("CK-DF-109", "FROM a:1\nCOPY app.tar.gz /opt/\n"),
    ],
)
def test_rule_fires(rule_id: str, text: str) -> None:
    assert rule_id in codes(text + OK_TAIL)


def test_final_stage_user_follows_stage_parents() -> None:
    base = "FROM a:1 AS base\nUSER 1000\nFROM base\nHEALTHCHECK NONE\n"
    assert not {"CK-DF-020", "CK-DF-021"} & codes(base)
    assert "CK-DF-021" in codes(base.replace("USER 1000", "USER root"))


def test_apt_lists_only_for_shipped_stages() -> None:
    build = "FROM d:1 AS build\nRUN apt-get update && apt-get install -y gcc=1\nFROM scratch\n"
    assert "CK-DF-043" not in codes(build + OK_TAIL)
    assert "CK-DF-043" in codes(build.replace("FROM scratch", "FROM build") + OK_TAIL)


def test_precise_location_points_at_the_command() -> None:
    result = run_lint("FROM d:1\nRUN set -e \\\n && apt-get install -y curl\n" + OK_TAIL)
    f = next(f for f in result.findings if f.rule_id == "CK-DF-040")
    assert (f.location.line, f.location.column) == (3, 5)
    assert f.location.end_line == 3 and f.location.end_column == 28
    assert dict(f.details)["hadolint"] == "DL3008"
    assert f.docs_url.endswith("docs/rules/CK-DF-040.md")


def test_onbuild_run_is_analyzed() -> None:
    assert "CK-DF-040" in codes("FROM d:1\nONBUILD RUN apt-get install -y curl\n" + OK_TAIL)


def test_opt_in_digest_rule() -> None:
    assert "CK-DF-012" not in codes("FROM d:1\n" + OK_TAIL)
    assert "CK-DF-012" in codes("FROM d:1\n" + OK_TAIL, LintConfig(require_digest=True))


T = "USER 10001\nHEALTHCHECK CMD true\n"


@pytest.mark.parametrize(
    "run",
    [
        "apt-get update && apt-get upgrade -y",
        "apt-get update && apt-get -qq dist-upgrade",
        "apt-get update && apt-get -o APT::Get::Assume-Yes=true full-upgrade",
    ],
)
def test_apt_update_then_upgrade_is_not_update_alone(run: str) -> None:
    assert not {"CK-DF-041", "CK-DF-047"} & codes(f"FROM d:1\nRUN {run}\n{T}")


@pytest.mark.parametrize(
    "run", ["apt-get upgrade", "apt-get -q dist-upgrade", "apt-get -o Dpkg::Options::=x upgrade"]
)
def test_apt_upgrade_without_yes(run: str) -> None:
    assert "CK-DF-047" in codes(f"FROM d:1\nRUN {run}\n{T}")


@pytest.mark.parametrize(
    "run",
    [
        "find / -xdev -perm /6000 -type f -exec chmod a-s {} +",
        "find / -xdev -perm /6000 -type f -exec chmod u-s,g-s {} \\;",
        "find / -perm /u=s,g=s -type f -print0 | xargs -0r chmod a-s",
        "find / -path /proc -prune -o -perm /6000 -type f -exec chmod 0755 {} +",
        "find / -perm /4000 -exec chmod u-s {} + && find / -perm /2000 -exec chmod g-s {} +",
        "find / -xdev -perm /6000 -type f -delete",
    ],
)
def test_real_defang_satisfies_032(run: str) -> None:
    assert "CK-DF-032" not in codes(f"FROM debian:12\nRUN {run}\n{T}")


@pytest.mark.parametrize(
    ("run", "why"),
    [
        ("find / -perm /6000 -type f -exec ls -ld {} +", "`ls -ld {}`"),
        ("find / -perm /6000 -type f", "runs nothing"),
        ("chmod u-s /usr/bin/su", "named files only"),
        ("find /usr/bin -perm /6000 -exec chmod a-s {} +", "does not start at /"),
        ("find / -perm /6000 -name su -exec chmod a-s {} +", "narrowed by `-name su`"),
        ("find / -perm -6000 -exec chmod a-s {} +", "does not select every"),
        ("find / -perm /6000 -exec chmod u-s {} +", "leaves the setgid bits"),
        ("find / -perm /6000 -exec chmod u+s {} +", "clears none of those bits"),
    ],
)
def test_fake_defang_does_not_satisfy_032(run: str, why: str) -> None:
    found = run_lint(f"FROM debian:12\nRUN {run}\n{T}").findings
    assert why in next(f.message for f in found if f.rule_id == "CK-DF-032")


def test_defang_as_non_root_user_does_not_count() -> None:
    text = (
        "FROM debian:12\nUSER 1000\nRUN find / -perm /6000 -exec chmod a-s {} +\nHEALTHCHECK NONE\n"
    )
    assert "non-root USER" in next(
        f.message for f in run_lint(text).findings if f.rule_id == "CK-DF-032"
    )


@pytest.mark.parametrize(
    ("run", "left"),
    [
        ("apt-get install -y gcc make && apt-get purge -y curl", True),
        ("apt-get install -y gcc make && apt-get purge -y gcc", True),
        ("apt-get install -y gcc make && apt-get purge -y gcc make", True),  # gcc-12 stays
        ("apt-get install -y gcc make && apt-get purge -y --auto-remove gcc make", False),
        ("apt-get purge -y gcc && apt-get install -y gcc", True),
        ("D='gcc make' && apt-get install -y $D && apt-get purge -y --auto-remove $D", False),
        (
            "apt-get install -y gcc && apt-mark auto '.*' > /dev/null && apt-get purge -y --auto-remove",
            False,
        ),
        ("apt-get install -y gcc && apt-get autoremove -y", True),
        ("apt install -y build-essential && make && apt remove -y build-essential", True),
        (
            "apt-get install -y build-essential && apt-get purge -y --auto-remove build-essential",
            False,
        ),
        (
            "apt-get install -y gcc make && apt-get remove -y gcc make && apt-get autoremove -y",
            False,
        ),
        ("apk add --virtual .build-deps gcc musl-dev && make && apk del .build-deps", False),
        ("apk add --virtual .build-deps gcc musl-dev && apk add make && apk del .build-deps", True),
    ],
)
def test_toolchain_purge_must_remove_what_was_installed(run: str, left: bool) -> None:
    assert ("CK-DF-030" in codes(f"FROM debian:12\nRUN {run}\n{T}")) is left
