"""The strict JSON reader: orjson where it reads what the standard library would, the standard
library where they would differ, so a client's odd body means what it meant before."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver import jsonin

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()  # past 64 bits too: orjson would make those floats
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),  # lone surrogates included: orjson refuses those, the stdlib reads them
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 and 1.0 are not the same reading)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


@given(json_values)
def test_every_value_reads_as_the_standard_library_reads_it(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    expected = json.loads(text)
    for raw in (text, text.encode("utf-8", "surrogatepass")):
        if isinstance(raw, bytes) and any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            continue  # surrogates encoded raw are not UTF-8: both readers refuse those bytes
        assert same(jsonin.loads(raw), expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"n": 123456789012345678901234567890}', {"n": 123456789012345678901234567890}),
        (b'{"n": -9223372036854775809}', {"n": -9223372036854775809}),
        (b'"\\ud800"', "\ud800"),
        (b"\xef\xbb\xbf{}", {}),
        (b"[1e400]", [math.inf]),
        (b'{"a": 1, "a": 2}', {"a": 2}),
    ],
    ids=["an integer past 64 bits", "a negative one", "a lone surrogate", "a byte order mark", "1e400", "repeated key"],
)
def test_where_orjson_would_differ_the_standard_library_decides(raw: bytes, expected: Any) -> None:
    assert same(jsonin.loads(raw), expected)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"NaN", "NaN is not a JSON value"),
        (b'{"a": Infinity}', "Infinity is not a JSON value"),
        (b"[" * 65 + b"]" * 65, "nested more than 64 levels deep"),
        (b"[" * 2000 + b"]" * 2000, "nested more than 64 levels deep"),
        (b"\xff\xfe\xfd", "not UTF-8"),
        (b'{"a": }', "Expecting value"),
    ],
    ids=["NaN", "Infinity", "65 levels", "2,000 levels", "not text", "not JSON"],
)
def test_what_is_not_json_this_server_reads_is_refused_with_the_reason(raw: bytes, says: str) -> None:
    with pytest.raises(jsonin.BadJson, match=says):
        jsonin.loads(raw)
