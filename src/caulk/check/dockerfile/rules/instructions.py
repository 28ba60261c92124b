"""Rules on single instructions: order, deprecated forms, ADD/COPY, WORKDIR, EXPOSE, ONBUILD,
ENV, secrets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.context import Hit, LintContext, register_check
from caulk.check.dockerfile.syntax import Instruction
from caulk.check.dockerfile.words import split_words, unquote

__all__: list[str] = []

_ARCHIVES = (
    ".tar", ".tar.bz2", ".tb2", ".tbz", ".tbz2", ".tar.gz", ".tgz", ".tpz", ".tar.lz", ".tlz",
    ".tar.xz", ".txz", ".tar.z", ".tz", ".bz2", ".gz", ".lz", ".lzma", ".tar.lzma", ".tlzma",
    ".xz", ".z", ".zst", ".tar.zst",
)  # fmt: skip
_URL = re.compile(r"^(https?|git|ssh)://|^git@", re.I)
_SECRET_NAMES = frozenset(
    [
        "ACCESS_TOKEN",
        "APPLICATION_KEY",
        "APP_SECRET",
        "AUTH_TOKEN",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "BITTREX_API_KEY",
        "BITTREX_API_SECRET",
        "CF_PASSWORD",
        "CF_USERNAME",
        "CIRCLE_TOKEN",
        "CI_DEPLOY_PASSWORD",
        "CI_DEPLOY_USER",
        "DOCKERHUB_PASSWORD",
        "DOCKER_EMAIL",
        "DOCKER_PASSWORD",
        "DOCKER_USERNAME",
        "FACEBOOK_ACCESS_TOKEN",
        "FACEBOOK_APP_ID",
        "FACEBOOK_APP_SECRET",
        "FIREBASE_API_TOKEN",
        "FIREBASE_TOKEN",
        "FOSSA_API_KEY",
        "GH_ENTERPRISE_TOKEN",
        "GH_TOKEN",
        "GITHUB_ENTERPRISE_TOKEN",
        "GITHUB_TOKEN",
        "HEROKU_API_KEY",
        "HEROKU_API_USER",
        "NPM_AUTH_TOKEN",
        "NPM_TOKEN",
        "OKTA_AUTHN_GROUPID",
        "OKTA_CLIENT_ORGURL",
        "OKTA_CLIENT_TOKEN",
        "OKTA_OAUTH2_CLIENTID",
        "OKTA_OAUTH2_CLIENTSECRET",
        "OPENAI_API_KEY",
        "OS_PASSWORD",
        "OS_USERNAME",
        "POSTGRES_PASSWORD",
        "SLACK_TOKEN",
        "STRIPE_API_KEY",
        "STRIPE_DEVICE_NAME",
        "TRAVIS_OS_NAME",
        "TRAVIS_SECURE_ENV_VARS",
        "TRAVIS_SUDO",
        "VAULT_CLIENT_KEY",
        "VAULT_TOKEN",
    ]
)
_SECRET_PARTS = ("api_key", "client_key", "password", "private", "secret", "token", "username")
_SECRET_VALUES = re.compile(
    r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|gh[pousr]_[A-Za-z0-9]{36}|"
    r"xox[baprs]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20}"
)


def _is_archive(src: str) -> bool:
    return src.lower().endswith(_ARCHIVES)


def _sources(ins: Instruction) -> tuple[list[str], str | None]:
    """(sources, destination) of COPY/ADD in either form."""
    if ins.exec_form is not None:
        items = list(ins.exec_form)
    else:
        items = [unquote(w) for w, _ in split_words(ins.rest)]
    if ins.heredocs:
        items = [i for i in items if not i.startswith("<<")]
    if len(items) < 2 and not ins.heredocs:
        return items, None
    return items[:-1], items[-1] if items else None


@register_check(cat.ORDER, cat.MAINTAINER, cat.JSON_INVALID, cat.BAD_ONBUILD)
def structure(ctx: LintContext) -> Iterator[Hit]:
    for ins in ctx.instructions:
        if ins.stage < 0 and ins.keyword != "ARG":
            yield Hit(cat.ORDER, f"{ins.keyword} before the first FROM", ins)
            break
    for ins, eff in ctx.effective():
        if eff.keyword == "MAINTAINER":
            yield Hit(cat.MAINTAINER, "MAINTAINER is deprecated", ins)
        if eff.json_error and eff.keyword != "SHELL":
            yield Hit(
                cat.JSON_INVALID,
                f"{eff.keyword} looks like JSON but is not ({eff.json_error}); "
                "it runs as a shell string",
                ins,
            )
        if eff is not ins and eff.keyword in ("ONBUILD", "FROM", "MAINTAINER"):
            yield Hit(cat.BAD_ONBUILD, f"ONBUILD {eff.keyword} is not allowed", ins)


@register_check(cat.MULTI_CMD, cat.MULTI_ENTRYPOINT, cat.MULTI_HEALTHCHECK, cat.SHELL_FORM_CMD)
def duplicates(ctx: LintContext) -> Iterator[Hit]:
    rules = {
        "CMD": cat.MULTI_CMD,
        "ENTRYPOINT": cat.MULTI_ENTRYPOINT,
        "HEALTHCHECK": cat.MULTI_HEALTHCHECK,
    }
    for st in ctx.stages:
        seen: dict[str, int] = {}
        for ins in st.instructions:
            rule = rules.get(ins.keyword)
            if rule is None:
                continue
            if ins.keyword in seen:
                yield Hit(
                    rule,
                    f"{ins.keyword} already given at line {seen[ins.keyword]}; "
                    "only the last one counts",
                    ins,
                )
            seen[ins.keyword] = ins.span.line
    for ins, eff in ctx.effective():
        if eff.keyword in ("CMD", "ENTRYPOINT") and eff.exec_form is None and eff.args:
            yield Hit(cat.SHELL_FORM_CMD, f"{eff.keyword} in shell form", ins)


@register_check(cat.ADD_LOCAL, cat.ADD_URL, cat.COPY_DEST_SLASH, cat.COPY_ARCHIVE)
def add_copy(ctx: LintContext) -> Iterator[Hit]:
    for ins, eff in ctx.effective():
        if eff.keyword not in ("ADD", "COPY"):
            continue
        srcs, dest = _sources(eff)
        if eff.keyword == "ADD":
            local = [s for s in srcs if not _URL.match(s) and not _is_archive(s)]
            if local and not eff.heredocs:
                yield Hit(cat.ADD_LOCAL, f"ADD {' '.join(local[:3])}: use COPY", ins)
            urls = [s for s in srcs if _URL.match(s)]
            if urls and eff.flag("checksum") is None:
                yield Hit(cat.ADD_URL, f"ADD downloads {urls[0]} without --checksum", ins)
        else:
            if len(srcs) >= 2 and dest is not None and not dest.endswith("/") and not eff.heredocs:
                yield Hit(
                    cat.COPY_DEST_SLASH,
                    f"COPY of {len(srcs)} sources to {dest}: end it with /",
                    ins,
                )
            if eff.flag("from") is None and any(_is_archive(s) for s in srcs):
                yield Hit(cat.COPY_ARCHIVE, "COPY of an archive: ADD would extract it", ins)


@register_check(cat.WORKDIR_RELATIVE, cat.COPY_RELATIVE, cat.BAD_PORT)
def paths_ports(ctx: LintContext) -> Iterator[Hit]:
    workdir: dict[int, bool] = {}
    for ins, eff in ctx.effective():
        stage = ins.stage
        if eff.keyword == "FROM" and stage >= 0:
            parent = ctx.stages[stage].parent
            workdir[stage] = parent is not None and workdir.get(parent, False)
        elif eff.keyword == "WORKDIR":
            path = unquote(eff.args.strip())
            if not _absolute(path):
                yield Hit(cat.WORKDIR_RELATIVE, f"WORKDIR {path} is relative", ins)
            workdir[stage] = True
        elif eff.keyword == "COPY":
            _, dest = _sources(eff)
            if dest is not None and not _absolute(dest) and not workdir.get(stage, False):
                yield Hit(cat.COPY_RELATIVE, f"COPY to {dest} with no WORKDIR set", ins)
        elif eff.keyword == "EXPOSE":
            for word, _ in split_words(eff.args):
                port = unquote(word).split("/", 1)[0]
                for part in port.split("-"):
                    if part.isdigit() and int(part) > 65535:
                        yield Hit(cat.BAD_PORT, f"EXPOSE {word}: {part} is not a port", ins)


def _absolute(path: str) -> bool:
    p = path.strip("\"'")
    return p.startswith(("/", "$")) or bool(re.match(r"^[A-Za-z]:[\\/]", p))


@register_check(cat.ENV_SELF_REF, cat.SECRET)
def env_secrets(ctx: LintContext) -> Iterator[Hit]:
    defined: dict[int, set[str]] = {}
    for ins, eff in ctx.effective():
        if eff.keyword == "FROM":
            defined[ins.stage] = set()
            continue
        if eff.keyword not in ("ENV", "ARG"):
            continue
        known = defined.setdefault(ins.stage, set())
        if eff.keyword == "ENV":
            here: set[str] = set()
            for p in eff.pairs:
                refs = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", p.value or ""))
                bad = sorted((refs & here) - known)
                if bad:
                    yield Hit(
                        cat.ENV_SELF_REF,
                        f"ENV {p.key} uses ${bad[0]}, defined in the same ENV",
                        ins,
                    )
                here.add(p.key)
            known |= here
        else:
            known |= {p.key for p in eff.pairs}
        for p in eff.pairs:
            if _secret_name(p.key):
                yield Hit(cat.SECRET, f"{eff.keyword} {p.key} looks like a secret", ins)
            elif p.value and _SECRET_VALUES.search(p.value):
                yield Hit(cat.SECRET, f"{eff.keyword} {p.key} holds a credential-like value", ins)


def _secret_name(name: str) -> bool:
    low = name.lower()
    return name.upper() in _SECRET_NAMES or any(s in low for s in _SECRET_PARTS)
