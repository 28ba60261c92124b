"""`padded_key` against a direct padded comparison, on generated sequences."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from caulk.match.version.keys import padded_key

SEQ = st.lists(st.integers(min_value=-2, max_value=2), max_size=6)


def _reference(a: list[int], b: list[int]) -> int:
    n = max(len(a), len(b))
    pa, pb = a + [0] * (n - len(a)), b + [0] * (n - len(b))
    return (pa > pb) - (pa < pb)


@given(SEQ, SEQ)
def test_padded_key_orders_like_zero_padding(a: list[int], b: list[int]) -> None:
    ka, kb = padded_key(a, 0), padded_key(b, 0)
    assert ((ka > kb) - (ka < kb)) == _reference(a, b)
