"""The pure parts of the checks: names, passwd, cache paths, history patterns, references."""

from __future__ import annotations

import pytest

from caulk.check.image.history import piped_download, remote_add
from caulk.check.image.leftovers import cache_dir
from caulk.check.image.reference import pinned
from caulk.check.image.secrets import suspicious_assignments
from caulk.check.image.user import parse_passwd
from caulk.fs.toolnames import DEFAULT_PATH, classify, path_dirs


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("sh", "shell"),
        ("busybox", "shell"),
        ("fish", "shell"),
        ("nc.openbsd", "tool"),
        ("curl", "tool"),
        ("scp", "tool"),
        ("apt-get", "package-manager"),
        ("pip3.11", "package-manager"),
        ("pip3", "package-manager"),
        ("microdnf", "package-manager"),
        ("ls", None),
        ("pipx", None),
        ("shellcheck", None),
        ("curl-config", None),
    ],
)
def test_classify(name: str, kind: str | None) -> None:
    assert classify(name) == kind


def test_path_dirs_adds_config_path_once() -> None:
    env = ("HOME=/root", "PATH=/opt/app/bin:/usr/bin:relative:/usr/local//bin/")
    assert path_dirs(env) == (*DEFAULT_PATH, "/opt/app/bin")


def test_parse_passwd() -> None:
    data = (
        b"root:x:0:0:root:/root:/bin/bash\n# comment\n\n+nis::::::\napp:x:10001:10001::/app:\nbad\n"
    )
    assert parse_passwd(data) == (("root", 0), ("app", 10001))


@pytest.mark.parametrize(
    ("path", "directory"),
    [
        ("/var/lib/apt/lists/mirror.invalid_debian_dists_bookworm_InRelease", "/var/lib/apt/lists"),
        ("/var/lib/apt/lists/lock", None),
        ("/var/lib/apt/lists/partial/x", None),
        ("/var/lib/apt/lists/auxfiles/x", None),
        ("/var/cache/apt/pkgcache.bin", "/var/cache/apt"),
        ("/var/cache/apt/archives/curl_7.88_amd64.deb", "/var/cache/apt/archives"),
        ("/var/cache/apt/archives/lock", None),
        ("/var/cache/apt/archives/partial/x.deb", None),
        ("/var/cache/apk/APKINDEX.abc.tar.gz", "/var/cache/apk"),
        ("/var/cache/dnf/x/y", "/var/cache/dnf"),
        ("/root/.cache/pip/wheels/ab/cd/x.whl", "/root/.cache/pip"),
        ("/home/app/.cache/pip/http/x", "/home/app/.cache/pip"),
        ("/home/app/.cache/other", None),
        ("/var/cache/debconf/config.dat", None),
    ],
)
def test_cache_dir(path: str, directory: str | None) -> None:
    assert cache_dir(path) == directory


@pytest.mark.parametrize(
    ("created_by", "url"),
    [
        ("/bin/sh -c #(nop) ADD https://example.com/a.tgz /opt/", "https://example.com/a.tgz"),
        ("ADD https://example.com/x /x # buildkit", "https://example.com/x"),
        ("ADD --chown=1:1 http://e.com/y /y # buildkit", "http://e.com/y"),
        ("ADD --checksum=sha256:abc https://e.com/z /z # buildkit", None),
        ("/bin/sh -c #(nop) ADD file:0123abcd in / ", None),
        ("/bin/sh -c #(nop) COPY https://e.com/x /x", None),
        ("RUN /bin/sh -c echo ADD https://e.com # buildkit", None),
    ],
)
def test_remote_add(created_by: str, url: str | None) -> None:
    assert remote_add(created_by) == url


@pytest.mark.parametrize(
    ("created_by", "hit"),
    [
        ("/bin/sh -c curl -fsSL https://get.example.com | sh", True),
        ("RUN /bin/sh -c wget -qO- https://x.io/i.sh | sudo -E bash - # buildkit", True),
        ("/bin/sh -c curl -s 'https://x?a=1&b=2' | /bin/bash -s -- --yes", True),
        ("/bin/sh -c bash <(curl -s https://x.io/i.sh)", True),
        ('/bin/sh -c sh -c "$(curl -fsSL https://x.io/i.sh)"', True),
        ("/bin/sh -c curl -o i.sh https://x.io/i.sh && sha256sum -c s && sh i.sh", False),
        ("/bin/sh -c curl -s https://x.io/data | tar -xz", False),
        ("/bin/sh -c curl -s https://x.io/a.json | jq . ; cat x | sh", False),
        ("/bin/sh -c apt-get install -y curl", False),
    ],
)
def test_piped_download(created_by: str, hit: bool) -> None:
    assert (piped_download(created_by) is not None) is hit


def test_pinned() -> None:
    assert pinned("oci:./l@sha256:" + "a" * 64)
    assert not pinned("oci:./l:latest")
    assert not pinned("docker-archive:/tmp/user@host/x.tar")


def test_suspicious_assignments() -> None:
    text = (
        "|3 DB_PASSWORD=hunter22 API_TOKEN='abc def' TOKEN_FILE=/run/x /bin/sh -c "
        "GPG_KEY=ABCDEF0123 SECRET=$SECRET make"
    )
    assert list(suspicious_assignments(text)) == [
        ("DB_PASSWORD", "hunter22"),
        ("API_TOKEN", "abc def"),
    ]
