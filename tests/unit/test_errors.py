"""The error root keeps its one-line promise for any message size (issue 9 item 25)."""

from __future__ import annotations

from caulk.errors import MAX_MESSAGE_CHARS, InputError, join_reasons


def test_join_reasons_caps_count_and_length() -> None:
    assert join_reasons(["a", "b"]) == "a; b"
    assert join_reasons([f"r{i}" for i in range(10_000)]) == "r0; r1; r2; r3; r4; and 9995 more"
    long = join_reasons(["x" * 10_000])
    assert len(long) == 200 and long.endswith("…")
    assert join_reasons([]) == ""


def test_error_messages_are_cut_and_say_so() -> None:
    text = str(InputError("bad\n" + "y" * 600_000, where="in.json"))
    assert "\n" not in text and text.startswith("in.json: bad y")
    assert len(text) < MAX_MESSAGE_CHARS + 100
    assert text.endswith("more characters)")
