"""Every Dockerfile rule: stable ID, severity, title, fix hint and hadolint equivalent.

Severity follows hadolint's level where there is one (error→HIGH, warning→MEDIUM, info→LOW,
style→INFO) unless the guide says otherwise. Docs: docs/rules/<ID>.md.
"""

from __future__ import annotations

from caulk.check.rules import Rule, register
from caulk.model import Severity

__all__ = ["ALL", "OPT_IN", "by_code"]

H, M, L, N = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO  # N: notice (INFO)


def _r(id: str, sev: Severity, title: str, fix: str, cat: str, dl: str | None = None) -> Rule:
    return register(Rule(f"CK-DF-{id}", sev, title, fix, category=cat, hadolint=dl))


# fmt: off
SYNTAX = _r("001", H, "Dockerfile cannot be parsed", "Fix the syntax at the position shown; BuildKit would refuse or misread this file.", "syntax", "DL1000")  # noqa: E501
JSON_INVALID = _r("002", M, "Malformed JSON (exec) form is run as a shell string", 'Write a valid JSON array of double-quoted strings, e.g. CMD ["nginx", "-g", "daemon off;"].', "syntax")  # noqa: E501
ORDER = _r("003", H, "Instruction before the first FROM", "Only ARG (and comments/directives) may come before the first FROM.", "syntax", "DL3061")  # noqa: E501
MAINTAINER = _r("004", H, "MAINTAINER is deprecated", 'Use LABEL org.opencontainers.image.authors="name <mail>".', "syntax", "DL4000")  # noqa: E501

UNTAGGED = _r("010", M, "Base image has no tag", "Pin the base image to a tag (better: tag@sha256 digest), e.g. FROM debian:12-slim.", "base-image", "DL3006")  # noqa: E501
LATEST = _r("011", M, "Base image uses the latest tag", "Use a versioned tag; `latest` moves and makes builds unreproducible.", "base-image", "DL3007")  # noqa: E501
NO_DIGEST = _r("012", L, "Base image is not pinned by digest", "Append @sha256:<digest> to the image (opt-in rule: require-digest).", "base-image")  # noqa: E501
UNTRUSTED = _r("013", H, "Base image from an untrusted registry", "Pull base images only from the registries listed in trusted-registries.", "base-image", "DL3026")  # noqa: E501
NOT_CURATED = _r("014", H, "Base image is not on the curated list", "Build from one of the images in allowed-base-images.", "base-image")  # noqa: E501
PLATFORM = _r("015", L, "FROM --platform pins a fixed platform", "Use --platform=$BUILDPLATFORM/$TARGETPLATFORM or drop the flag.", "base-image", "DL3029")  # noqa: E501
DUP_ALIAS = _r("016", H, "Stage name used twice", "Give every FROM … AS name a unique name.", "stages", "DL3024")  # noqa: E501
COPY_FROM_UNKNOWN = _r("017", M, "COPY --from names no earlier stage", "Refer to a stage defined above (name or index) or to a full image reference.", "stages", "DL3022")  # noqa: E501
COPY_FROM_SELF = _r("018", H, "COPY --from refers to its own stage", "Copy from an earlier stage, not the current one.", "stages", "DL3023")  # noqa: E501

NO_USER = _r("020", H, "Final stage runs as root (no USER)", "Add USER <uid> (numeric, non-zero) to the final stage, e.g. USER 10001.", "user")  # noqa: E501
ROOT_USER = _r("021", H, "Final stage USER is root", "Switch to a non-root user at the end: USER 10001.", "user", "DL3002")  # noqa: E501
NAMED_USER = _r("022", N, "USER is not numeric", "Use a numeric UID (USER 10001:10001) so the runtime can verify it is not root.", "user", "DL3066")  # noqa: E501
SUDO = _r("023", M, "sudo in RUN", "RUN already runs as the current USER; switch with USER instead of sudo.", "user", "DL3004")  # noqa: E501
USERADD_HIGH_UID = _r("024", L, "useradd of a high UID without -l", "Pass -l/--no-log-init: a high UID makes a huge /var/log/faillog.", "user", "DL3046")  # noqa: E501

TOOLCHAIN = _r("030", M, "Build toolchain installed in the final stage", "Build in an earlier stage and COPY --from only the artefacts into a slim final stage.", "guide")  # noqa: E501
STATIC_BINARY = _r("031", N, "Final stage only needs a static binary", "Use FROM scratch or a distroless base for a final stage that only copies a binary.", "guide")  # noqa: E501
NO_DEFANG = _r("032", L, "Final stage does not de-fang setuid/setgid files", "Add: RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} \\; || true", "guide")  # noqa: E501
NO_HEALTHCHECK = _r("033", N, "No HEALTHCHECK in the final stage", "Add HEALTHCHECK CMD <probe> (or HEALTHCHECK NONE to say there is none on purpose).", "guide")  # noqa: E501
MULTI_HEALTHCHECK = _r("034", M, "More than one HEALTHCHECK in a stage", "Keep one HEALTHCHECK; only the last takes effect.", "instructions", "DL3012")  # noqa: E501
MULTI_CMD = _r("035", M, "More than one CMD in a stage", "Keep one CMD; only the last takes effect.", "instructions", "DL4003")  # noqa: E501
MULTI_ENTRYPOINT = _r("036", M, "More than one ENTRYPOINT in a stage", "Keep one ENTRYPOINT; only the last takes effect.", "instructions", "DL4004")  # noqa: E501
SHELL_FORM_CMD = _r("037", M, "CMD/ENTRYPOINT in shell form", 'Use the JSON form (CMD ["app", "--flag"]) so signals reach the process.', "instructions", "DL3025")  # noqa: E501

APT_PIN = _r("040", M, "apt-get install without pinned versions", "Pin: apt-get install pkg=1.2.3-1 (or accept drift and ignore this rule).", "apt", "DL3008")  # noqa: E501
APT_UPDATE_ALONE = _r("041", M, "apt-get update without install in the same RUN", "Run apt-get update && apt-get install … in one RUN, or the cached update layer goes stale.", "apt")  # noqa: E501
APT_RECOMMENDS = _r("042", L, "apt-get install without --no-install-recommends", "Add --no-install-recommends to keep the image small.", "apt", "DL3015")  # noqa: E501
APT_LISTS = _r("043", L, "apt lists not removed in the same RUN", "End the RUN with: && rm -rf /var/lib/apt/lists/*", "apt", "DL3009")  # noqa: E501
APT_YES = _r("044", M, "apt-get install without -y", "Add -y (non-interactive builds hang or fail otherwise).", "apt", "DL3014")  # noqa: E501
APT_CLI = _r("045", M, "apt used instead of apt-get", "apt has no stable CLI for scripts; use apt-get / apt-cache.", "apt", "DL3027")  # noqa: E501
APT_UPGRADE_YES = _r("047", M, "apt-get upgrade without -y", "Add -y (or -qq): without it apt-get asks for confirmation, reads end-of-file in a non-interactive build and aborts when anything is to be upgraded.", "apt")  # noqa: E501
APT_CLEAN = _r("046", N, "apt-get clean missing in the RUN that installs", "Add && apt-get clean to the RUN (Debian images do it via docker-clean; others don't).", "apt")  # noqa: E501

APK_PIN = _r("050", M, "apk add without pinned versions", "Pin: apk add pkg=1.2.3-r0 (or pkg~1.2).", "apk", "DL3018")  # noqa: E501
APK_CACHE = _r("051", L, "apk add without --no-cache", "Use apk add --no-cache instead of --update + rm /var/cache/apk/*.", "apk", "DL3019")  # noqa: E501

YUM_YES = _r("055", M, "yum install without -y", "Add -y.", "rpm", "DL3030")
YUM_CLEAN = _r("056", M, "yum clean all missing", "End the RUN with && yum clean all (or rm -rf /var/cache/yum).", "rpm", "DL3032")  # noqa: E501
YUM_PIN = _r("057", M, "yum install without pinned versions", "Pin: yum install -y pkg-1.2.3.", "rpm", "DL3033")  # noqa: E501
DNF_YES = _r("058", M, "dnf install without -y", "Add -y.", "rpm", "DL3038")
DNF_CLEAN = _r("059", M, "dnf clean all missing", "End the RUN with && dnf clean all (microdnf clean all).", "rpm", "DL3040")  # noqa: E501
DNF_PIN = _r("060", M, "dnf install without pinned versions", "Pin: dnf install -y pkg-1.2.3.", "rpm", "DL3041")  # noqa: E501
ZYPPER_YES = _r("061", M, "zypper without non-interactive switch", "Use zypper -n install / zypper install -y.", "rpm", "DL3034")  # noqa: E501
ZYPPER_DUP = _r("062", M, "zypper dist-upgrade in a Dockerfile", "Upgrade the base image instead of dist-upgrading in it.", "rpm", "DL3035")  # noqa: E501
ZYPPER_CLEAN = _r("063", M, "zypper clean missing", "End the RUN with && zypper clean.", "rpm", "DL3036")  # noqa: E501
ZYPPER_PIN = _r("064", M, "zypper install without pinned versions", "Pin: zypper install -y pkg=1.2.3.", "rpm", "DL3037")  # noqa: E501

PIP_PIN = _r("070", M, "pip install without pinned versions", "Pin: pip install pkg==1.2.3, or pip install -r requirements.txt.", "pip", "DL3013")  # noqa: E501
PIP_CACHE = _r("071", M, "pip install keeps its cache", "Use pip install --no-cache-dir (or ENV PIP_NO_CACHE_DIR=1).", "pip", "DL3042")  # noqa: E501
NPM_PIN = _r("072", M, "npm install without pinned versions", "Pin: npm install pkg@1.2.3 (or npm ci with a lockfile).", "npm", "DL3016")  # noqa: E501
NPM_CACHE = _r("073", L, "npm cache left in the layer", "Add && npm cache clean --force to the RUN, or use a cache mount.", "npm")  # noqa: E501
GEM_PIN = _r("074", M, "gem install without pinned versions", "Pin: gem install pkg:1.2.3 (or -v 1.2.3).", "gem", "DL3028")  # noqa: E501
GO_PIN = _r("075", M, "go install without a version", "Pin: go install example.com/cmd@v1.2.3.", "go", "DL3062")  # noqa: E501
YARN_CACHE = _r("076", N, "yarn cache not cleaned", "Add && yarn cache clean to the RUN.", "npm", "DL3060")  # noqa: E501

PIPEFAIL = _r("080", M, "Pipe in RUN without pipefail", 'Set SHELL ["/bin/bash", "-o", "pipefail", "-c"] (or /bin/ash for busybox) before RUNs with pipes.', "shell", "DL4006")  # noqa: E501
CD = _r("081", M, "cd in RUN instead of WORKDIR", "Use WORKDIR /path; it is explicit and survives into later instructions.", "shell", "DL3003")  # noqa: E501
CD_UNCHECKED = _r("082", M, "cd not followed by && (a failed cd is ignored)", "Chain with && (cd dir && cmd) or use set -e; otherwise commands run in the wrong directory.", "shell")  # noqa: E501
CURL_PIPE_SH = _r("083", H, "Downloaded script piped into a shell", "Download to a file, verify its checksum or signature, then run it.", "shell")  # noqa: E501
WGET_PROGRESS = _r("084", N, "wget without a progress option", "Use wget -q / -nv / --progress=dot:giga to keep build logs small.", "shell", "DL3047")  # noqa: E501
CURL_AND_WGET = _r("085", L, "Both wget and curl used in a stage", "Use one download tool; each adds size and attack surface.", "shell", "DL4001")  # noqa: E501
POINTLESS_CMD = _r("086", L, "Interactive/system command in RUN", "ssh, vim, service, shutdown, top, ps… make no sense while building an image.", "shell", "DL3001")  # noqa: E501
CONSECUTIVE_RUN = _r("088", N, "Consecutive RUN instructions", "Merge consecutive RUNs with && to save layers (keep them split only on purpose).", "shell", "DL3059")  # noqa: E501
SH_SYMLINK = _r("089", M, "RUN replaces /bin/sh", "Use SHELL to change the default shell instead of linking /bin/sh.", "shell", "DL4005")  # noqa: E501

ADD_LOCAL = _r("100", H, "ADD used for local files", "Use COPY for files and folders; ADD only to extract local archives.", "instructions", "DL3020")  # noqa: E501
ADD_URL = _r("101", M, "ADD downloads a URL", "Download in a RUN with a checksum check, or use ADD --checksum=sha256:….", "instructions")  # noqa: E501
COPY_DEST_SLASH = _r("102", H, "COPY with several sources needs a directory destination", "End the destination with /.", "instructions", "DL3021")  # noqa: E501
WORKDIR_RELATIVE = _r("103", M, "WORKDIR is relative", "Use an absolute WORKDIR path.", "instructions", "DL3000")  # noqa: E501
BAD_PORT = _r("104", H, "EXPOSE port out of range", "Ports are 0-65535.", "instructions", "DL3011")
BAD_ONBUILD = _r("105", H, "ONBUILD of ONBUILD, FROM or MAINTAINER", "These instructions cannot be triggered with ONBUILD.", "instructions", "DL3043")  # noqa: E501
ENV_SELF_REF = _r("106", H, "ENV refers to a variable it defines", "Split into two ENV instructions; in one ENV the old value is used.", "instructions", "DL3044")  # noqa: E501
COPY_RELATIVE = _r("107", M, "COPY to a relative path without WORKDIR", "Set WORKDIR first or copy to an absolute path.", "instructions", "DL3045")  # noqa: E501
SECRET = _r("108", H, "Secret in ENV or ARG", "Pass secrets with RUN --mount=type=secret; ENV/ARG values stay in the image history.", "secrets", "DL3064")  # noqa: E501
COPY_ARCHIVE = _r("109", N, "COPY of an archive that ADD would extract", "Use ADD for local archives you want unpacked (or unpack in a build stage).", "instructions", "DL3010")  # noqa: E501

LABEL_KEY = _r("120", M, "Invalid label key", "Label keys are lower-case reverse-DNS names, e.g. org.opencontainers.image.source.", "labels", "DL3048")  # noqa: E501
LABEL_MISSING = _r("121", M, "Required label missing", "Add the label listed in required-labels / label-schema.", "labels", "DL3049")  # noqa: E501
LABEL_EXTRA = _r("122", M, "Label not in the schema", "Remove it or add it to label-schema (strict-labels is on).", "labels", "DL3050")  # noqa: E501
LABEL_VALUE = _r("123", M, "Label value does not match its schema type", "Use a value of the declared type (url, email, semver, rfc3339, hash, spdx, text).", "labels")  # noqa: E501
# fmt: on

ALL: tuple[Rule, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Rule))
OPT_IN = frozenset({NO_DIGEST.id})  # off unless the config turns them on
_BY_CODE = {r.hadolint: r for r in ALL if r.hadolint}


def by_code(code: str) -> Rule | None:
    """A caulk rule by its own ID or by its hadolint code."""
    code = code.strip().upper()
    if code.startswith("DL"):
        return _BY_CODE.get(code)
    return next((r for r in ALL if r.id == code), None)
