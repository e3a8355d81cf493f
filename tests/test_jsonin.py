"""The strict JSON reader: orjson where it reads what the standard library would, the standard
library where they would differ, so a client's odd body means what it meant before."""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

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


numbers = st.from_regex(r"\A-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?\Z")
"""Number text as clients write it: long mantissas, every exponent form, past 64 bits."""


@given(json_values, st.booleans())
def test_every_value_reads_as_the_standard_library_reads_it(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)  # ascii_only: every non-ASCII character as \uXXXX
    expected = json.loads(text)
    for raw in (text, text.encode("utf-8", "surrogatepass")):
        if isinstance(raw, bytes) and any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            continue  # surrogates encoded raw are not UTF-8: both readers refuse those bytes
        assert same(jsonin.loads(raw), expected)


@given(numbers, st.sampled_from(["{}", '{{"n": {} }}', "[ {} ,\t{}\n]"]))
def test_every_number_reads_as_the_standard_library_reads_it(number: str, shape: str) -> None:
    text = shape.format(number, number)
    assert same(jsonin.loads(text.encode()), json.loads(text))


def test_an_ordinary_body_is_read_by_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is taken: a regression sending every body to the standard library would pass
    every test of what is read, and cost 5 % of a request."""

    def refuse(*_: object, **__: object) -> NoReturn:
        raise AssertionError("the standard library was asked to read an ordinary body")

    monkeypatch.setattr(json, "loads", refuse)
    body = b'{"receiver": "bob", "receiverType": "user", "type": "audio", "n": 12345678901234567}'
    assert jsonin.loads(body) == {"receiver": "bob", "receiverType": "user", "type": "audio", "n": 12345678901234567}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"n": 123456789012345678901234567890}', {"n": 123456789012345678901234567890}),
        (b'{"n": -9223372036854775809}', {"n": -9223372036854775809}),
        (b'"\\ud800"', "\ud800"),
        (b"\xef\xbb\xbf{}", {}),
        (b"[1e400]", [math.inf]),
    ],
    ids=["an integer past 64 bits", "a negative one", "a lone surrogate", "a byte order mark", "1e400"],
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
