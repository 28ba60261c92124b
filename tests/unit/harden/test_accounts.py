from __future__ import annotations

import pytest

from caulk.errors import UsageError
from caulk.harden.accounts import plan_account

PASSWD = (
    b"root:x:0:0:root:/root:/bin/bash\n"
    b"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    b"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
)
GROUP = b"root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n"


def test_default_nonroot_is_created_like_distroless() -> None:
    plan = plan_account("nonroot", None, PASSWD, GROUP)
    assert plan.config_user == "65532:65532"
    assert plan.created_user
    assert plan.passwd == PASSWD + b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
    assert plan.group == GROUP + b"nonroot:x:65532:\n"
    assert plan.home == "/home/nonroot"


def test_existing_user_by_name_changes_nothing_but_config() -> None:
    plan = plan_account("nobody", None, PASSWD, GROUP)
    assert plan.config_user == "65534:65534"
    assert not plan.created_user
    assert plan.passwd is None and plan.group is None and plan.home is None


def test_existing_uid_with_explicit_existing_group() -> None:
    plan = plan_account("1", "65534", PASSWD, GROUP)
    assert plan.config_user == "1:65534"
    assert plan.passwd is None and plan.group is None


def test_numeric_uid_absent_gets_a_nonroot_entry_and_group() -> None:
    plan = plan_account("1000", None, PASSWD, GROUP)
    assert plan.config_user == "1000:1000"
    assert plan.passwd is not None and plan.passwd.endswith(
        b"nonroot:x:1000:1000:nonroot:/home/nonroot:/sbin/nologin\n"
    )
    assert plan.group is not None and plan.group.endswith(b"nonroot:x:1000:\n")


def test_taken_uid_65532_falls_back_to_first_free_from_10000() -> None:
    passwd = PASSWD + b"other:x:65532:65532::/:/bin/false\n"
    group = GROUP + b"other:x:65532:\n"
    plan = plan_account("app", None, passwd, group)
    assert plan.config_user == "10000:10000"
    assert plan.group is not None and plan.group.endswith(b"app:x:10000:\n")


def test_missing_files_are_created_with_root() -> None:
    plan = plan_account("nonroot", None, None, None)
    assert plan.passwd == (
        b"root:x:0:0:root:/root:/sbin/nologin\n"
        b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
    )
    assert plan.group == b"root:x:0:\nnonroot:x:65532:\n"


def test_no_trailing_newline_is_repaired() -> None:
    plan = plan_account("app", None, PASSWD.rstrip(b"\n"), GROUP)
    assert plan.passwd is not None
    assert b"/usr/sbin/nologin\napp:x:65532:" in plan.passwd


@pytest.mark.parametrize(("user", "group"), [("root", None), ("0", None), ("daemon", "0")])
def test_root_is_refused(user: str, group: str | None) -> None:
    with pytest.raises(UsageError):
        plan_account(user, group, PASSWD, GROUP)


def test_root_name_is_refused_even_without_passwd() -> None:
    with pytest.raises(UsageError, match="root"):
        plan_account("root", None, None, None)


def test_named_group_absent_is_created() -> None:
    plan = plan_account("app", "apps", PASSWD, GROUP)
    assert plan.config_user == "65532:65532"
    assert plan.group is not None and plan.group.endswith(b"apps:x:65532:\n")
