"""Seeded fuzzing of the REST surface: every ``/v3.0`` endpoint, any method, odd headers, bad bodies,
and malformed HTTP on a raw socket.

What must hold for every case: never a 5xx; every refusal is the JSON error envelope
(``{"error": {"code", "message"}}``, ``application/json``); a refusal changed nothing (calls,
people, frames sent); and afterwards the same server still carries a whole call between two
users who log in then. The cases are the same on every run (``derandomize``), so a failure
reproduces; ``RINGCHECK_FUZZ_EXAMPLES`` runs more of them.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import http.client
import json
import re
import socket
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver import rest
from mockserver.inputs import MAX_BODY_BYTES

from .fuzzing import ServerThread, Tally, answer_json, fuzz_settings, logins, normal_flow, server_thread
from .support import DEADLINE, Api

ROUTES = sorted({(route.method, route.path) for route in rest.routes})  # type: ignore[attr-defined]
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "X-RING")
UNKNOWN_SESSION = "v1.local.ringcheck.999999"


@dataclass(frozen=True)
class Known:
    """What the fuzzer may use of the real world: two logged-in users and a call between them."""

    alex_token: str
    bob_token: str
    session_id: str
    api_key: str


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[tuple[ServerThread, Known]]:
    with server_thread() as thread:

        async def prepare(api: Api) -> Known:
            alex, bob = await logins(api, ("alex", "alex-fuzz"), ("bob", "bob-fuzz"))
            call = (await api.initiate(alex, "bob")).data
            session_id = call["data"]["entities"]["on"]["entity"]["sessionid"]
            return Known(alex.token, bob.token, session_id, api.config.api_key)

        yield thread, thread.with_api(prepare)


# -- strategies --------------------------------------------------------------------------------------

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["audio", "video", "user", "group", "alex", "bob", "team", "initiated", "ongoing", "ended"]),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ("type", "receiverType", "receiver", "status", "category", "sessionId", "metadata", "uid", "name")
shaped_bodies = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)


def encode(value: Any, how: str) -> bytes:
    text = json.dumps(value, allow_nan=True)
    if how == "utf-16-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if how == "utf-32":
        return text.encode("utf-32")
    if how == "latin-1":
        return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("latin-1", "replace")
    return text.encode()


def nested(depth: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


bodies = st.one_of(
    st.just(b""),
    st.builds(encode, shaped_bodies, st.sampled_from(["utf-8", "utf-8", "utf-16-bom", "utf-32", "latin-1"])),
    st.builds(nested, st.integers(1, 30_000), st.sampled_from(["list", "object"])),
    st.integers(20, 20_000).map(lambda n: b'{"receiver": ' + b"9" * n + b"}"),
    st.integers(20, 20_000).map(lambda n: b'{"seconds": 1' + b"0" * n + b".5}"),
    st.sampled_from([b'{"status": NaN}', b'{"type": Infinity}', b"-Infinity", b"NaN", b"[1e999]"]),
    st.sampled_from([b'{"receiver": "\\ud800"}', b'{"status": "\\udfff\\ud800"}', b'{"\\u0000": 1}']),
    st.binary(max_size=200),
    st.builds(lambda b: b'{"receiver": "' + b + b'"}', st.binary(max_size=40)),
    st.integers(MAX_BODY_BYTES - 20, MAX_BODY_BYTES + 200).map(lambda n: b'{"x": "' + b"a" * n + b'"}'),
)

CONTENT_TYPES = (
    None,
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "application/json; charset=latin-1",
    "application/json; charset=bogus-42",
    'application/json; charset="utf-8"; boundary=x',
    "text/plain; charset=iso-2022-jp",
    "multipart/form-data; boundary=xyz",
    "application/x-www-form-urlencoded",
    "*/*",
    ";;;",
)


def percent_junk() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=30).map(lambda t: urllib.parse.quote(t, safe="")),
        st.sampled_from(
            ["%zz", "%", "%ff%fe", "%00", "..%2f..%2f", "%2e%2e", "a%2Fb", "%C0%AF", "%e2%82", "~!$&'()*+,;="]
        ),
        st.text(alphabet="abc.-_@", min_size=101, max_size=300),
    )


@st.composite
def paths(draw: st.DrawFn, known: Known) -> str:
    _, template = draw(st.sampled_from(ROUTES))
    uid = draw(st.one_of(st.sampled_from(["alex", "bob", "nobody", "ALEX"]), percent_junk()))
    session = draw(st.one_of(st.sampled_from([known.session_id, UNKNOWN_SESSION]), percent_junk()))
    path = template.replace("{uid}", uid).replace("{sessionId}", session)
    if draw(st.integers(0, 9)) == 0:
        path += "/" + draw(percent_junk())
    query = draw(
        st.one_of(
            st.just(""),
            st.sampled_from(["?status=initiated", "?status=bogus", "?status=%ff", "?status", "?&&==", "?a=%zz"]),
            st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=3).map(
                lambda q: "?" + urllib.parse.urlencode(q) if q else ""
            ),
        )
    )
    return f"{path}{query}"


def header_values(good: list[str]) -> st.SearchStrategy[str | None]:
    right = st.sampled_from(good)
    return st.one_of(
        st.none(),
        right,
        right,
        right,
        st.sampled_from(["", " ", "garbage", "null", "Bearer x", "x" * 5000]),
        st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=30),
    )


@st.composite
def requests(draw: st.DrawFn, known: Known) -> tuple[str, str, dict[str, str], bytes]:
    method = draw(st.sampled_from([m for m, _ in ROUTES]) if draw(st.integers(0, 3)) else st.sampled_from(METHODS))
    headers: dict[str, str] = {}
    for name, good in (
        ("authToken", [known.alex_token, known.bob_token]),
        ("apiKey", [known.api_key]),
        ("resource", ["alex-fuzz", "bob-fuzz", "bob-fuzz-2"]),
        ("Content-Type", [c for c in CONTENT_TYPES if c]),
        ("Content-Encoding", ["gzip", "deflate", "br", "identity", "compress"]),
        ("Accept", ["text/html", "*/*"]),
    ):
        value = draw(header_values(good)) if name != "Content-Encoding" else draw(st.none() | st.sampled_from(good))
        if value is not None:
            headers[name] = value.strip() if name == "Content-Type" else value
    return method, draw(paths(known)), headers, draw(bodies)


# -- the properties -----------------------------------------------------------------------------------


def send(port: int, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE * 2)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value.encode("latin-1"))
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        content = response.read()
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return response.status, content_type, content
    finally:
        connection.close()


def test_no_request_to_v3_gets_a_5xx_or_anything_but_a_json_error(
    fuzzed: tuple[ServerThread, Known], capsys: pytest.CaptureFixture[str]
) -> None:
    """Any method, path, header and body on every endpoint; then a normal call still works."""
    thread, known = fuzzed
    tally = Tally("REST requests")

    @fuzz_settings(300)
    @given(request=requests(known))
    def one(request: tuple[str, str, dict[str, str], bytes]) -> None:
        method, path, headers, body = request
        before = thread.world()
        status, content_type, content = send(thread.server.port, method, path, headers, body)
        tally.saw(status)
        if method == "HEAD":
            assert status < 500, status
        else:
            answer_json(status, content_type, content)
        if status >= 400:
            assert thread.world() == before, f"{method} {path} was refused ({status}) but changed something"

    one()
    with capsys.disabled():
        print(f"\n{tally.line()}")
    assert tally.server_errors == 0
    thread.with_api(normal_flow)


# -- raw HTTP ------------------------------------------------------------------------------------------

SENTINEL = b"GET /v3.0/settings HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


@st.composite
def raw_streams(draw: st.DrawFn) -> bytes:
    """Request bytes with something wrong in the request line, the headers or the framing.

    Every length the stream declares (Content-Length, a chunk size) is at most what follows it,
    so the server is never left waiting for bytes that will not come (the slow and half-open
    tests cover that); the sentinel request after it lets the server finish what it parsed.
    """
    method = draw(st.sampled_from([b"GET", b"POST", b"PUT", b"DELETE", b"get", b"P\x00ST", b"", b"G E T", b"\xff\xfe"]))
    target = draw(
        st.one_of(
            st.sampled_from(
                [b"/v3.0/me", b"/v3.0/calls", b"/v3.0/calls/%zz", b"/v3.0/%ff", b"*", b"", b"/v3.0/me#frag"]
            ),
            st.binary(max_size=30).map(lambda b: b"/v3.0/" + b),
        )
    )
    version = draw(
        st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.1 extra", b"HTTP/9", b"", b"http/1.1"])
    )
    line = draw(st.sampled_from([b" ", b"  ", b"\t"])).join(
        p for p in (method, target, version) if p or draw(st.booleans())
    )
    headers = [b"Host: 127.0.0.1"]
    for _ in range(draw(st.integers(0, 4))):
        headers.append(
            draw(
                st.one_of(
                    st.sampled_from(
                        [
                            b"authToken: nope",
                            b"Bad Header",
                            b": empty-name",
                            b"X-Fold: a\r\n b",
                            b"X-Null: a\x00b",
                            b"X-Ctl: \x01\x02",
                            b"X-Long: " + b"a" * 9000,
                            b"Content-Type: application/json; charset=utf-16",
                            b"Transfer-Encoding: gzip",
                            b"Transfer-Encoding: chunked, chunked",
                            b"Expect: 100-continue",
                            b"Content-Encoding: gzip",
                        ]
                    ),
                    st.binary(max_size=40),
                )
            )
        )
    body = draw(st.one_of(st.just(b""), st.just(b'{"receiver": "bob"}'), st.binary(max_size=40)))
    framing = draw(
        st.sampled_from(
            ["length", "length-short", "length-bad", "length-twice", "chunked", "chunked-bad", "both", "none"]
        )
    )
    if framing == "length":
        headers.append(b"Content-Length: %d" % len(body))
    elif framing == "length-short":
        headers.append(b"Content-Length: %d" % draw(st.integers(0, len(body))))
    elif framing == "length-bad":
        headers.append(
            b"Content-Length: "
            + draw(st.sampled_from([b"-1", b"abc", b"1e3", b"+4", b"0x10", b" ", b"99999999999999999999999"]))
        )
    elif framing == "length-twice":
        headers += [b"Content-Length: %d" % len(body), b"Content-Length: %d" % (len(body) // 2)]
    elif framing in ("chunked", "chunked-bad", "both"):
        headers.append(b"Transfer-Encoding: chunked")
        if framing == "both":
            headers.append(b"Content-Length: %d" % len(body))
        if framing == "chunked":
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
        else:
            size = draw(st.sampled_from([b"zz", b"-1", b"%x" % len(body), b"%X;ext=1" % len(body), b"", b" 1"]))
            body = (
                size
                + draw(st.sampled_from([b"\r\n", b"\n", b""]))
                + body
                + draw(st.sampled_from([b"\r\n", b"", b"xx"]))
            )
    separator = draw(st.sampled_from([b"\r\n", b"\r\n", b"\n", b"\r"]))
    return line + b"\r\n" + separator.join(headers) + b"\r\n\r\n" + body


RESPONSE = re.compile(rb"HTTP/1\.[01] (\d{3}) [^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n")


def responses(stream: bytes) -> list[tuple[int, str, bytes]]:
    """The responses in what the server wrote (each has a Content-Length: the server sets one)."""
    found = []
    rest = stream
    while rest:
        match = RESPONSE.match(rest)
        assert match, f"not an HTTP response: {rest[:300]!r}"
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (h.decode("latin-1").partition(":") for h in match.group(2).split(b"\r\n") if h)
        )
        length = int(headers.get("content-length", "0"))
        body = rest[match.end() : match.end() + length]
        found.append((int(match.group(1)), headers.get("content-type", "").split(";")[0].strip(), body))
        rest = rest[match.end() + length :]
    return found


def exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as sock:
        # The server may refuse and close before reading everything: what it wrote is still there.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        except TimeoutError:
            raise AssertionError(
                f"the server neither answered nor closed within {DEADLINE} s: {data[:200]!r}"
            ) from None
        return received


def test_malformed_http_gets_a_json_error_from_the_server_itself(
    fuzzed: tuple[ServerThread, Known], capsys: pytest.CaptureFixture[str]
) -> None:
    """Broken request lines, headers, Content-Length and chunks: aiohttp's own answers are JSON too."""
    thread, _ = fuzzed
    tally = Tally("raw HTTP streams")

    @fuzz_settings(150)
    @given(stream=raw_streams())
    def one(stream: bytes) -> None:
        before = thread.world()
        answers = responses(exchange(thread.server.port, stream + SENTINEL))
        for status, content_type, body in answers:
            tally.saw(status)
            answer_json(status, content_type, body)
        if not answers:
            tally.saw("closed without an answer")
        assert thread.world().calls == before.calls

    one()
    with capsys.disabled():
        print(f"\n{tally.line()}")
    assert tally.server_errors == 0
    thread.with_api(normal_flow)


# -- what the fuzzer found, as plain examples ---------------------------------------------------------

FOUND = {
    "nested 5,000 deep (was a RecursionError, 500)": b"[" * 5000 + b"]" * 5000,
    "nested 100 deep (past the 64-level limit)": b'{"a":' * 100 + b"1" + b"}" * 100,
    "an integer of 5,000 digits (was a ValueError, 500)": b'{"receiver": ' + b"1" * 5000 + b"}",
    "NaN": b'{"type": NaN, "receiverType": "user", "receiver": "bob"}',
    "not UTF-8": b'{"receiver": "\xff\xfe"}',
}


@pytest.mark.parametrize("body", FOUND.values(), ids=FOUND.keys())
def test_what_the_fuzzer_found_is_a_bad_request(fuzzed: tuple[ServerThread, Known], body: bytes) -> None:
    thread, known = fuzzed
    headers = {"authToken": known.alex_token, "resource": "alex-fuzz", "Content-Type": "application/json"}
    before = thread.world()
    status, content_type, content = send(thread.server.port, "POST", "/v3.0/calls", headers, body)
    assert status == 400 and answer_json(status, content_type, content)["error"]["code"] == "ERR_BAD_REQUEST"  # type: ignore[index]
    assert thread.world() == before


RAW_FOUND = {
    "a body labelled gzip that is not (was a 500)": b"POST /v3.0/calls HTTP/1.1\r\nHost: x\r\n"
    b"Content-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd",
    "a malformed request line (was text/plain)": b"GARBAGE\r\n\r\n",
    "a bad Content-Length (was text/plain)": b"POST /v3.0/calls HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "a bad chunk size (was text/plain)": b"POST /v3.0/calls HTTP/1.1\r\nHost: x\r\n"
    b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("stream", RAW_FOUND.values(), ids=RAW_FOUND.keys())
def test_what_the_raw_fuzzer_found_is_a_json_bad_request(fuzzed: tuple[ServerThread, Known], stream: bytes) -> None:
    thread, _ = fuzzed
    answers = responses(exchange(thread.server.port, stream + SENTINEL))
    status, content_type, body = answers[0]
    assert status == 400 and answer_json(status, content_type, body)["error"]["code"] == "ERR_BAD_REQUEST"  # type: ignore[index]


def test_a_body_found_broken_in_a_later_packet_is_refused_not_left_hanging(fuzzed: tuple[ServerThread, Known]) -> None:
    """aiohttp queued the parse error as a next request and never failed the body being read."""
    thread, _ = fuzzed
    with socket.create_connection(("127.0.0.1", thread.server.port), timeout=DEADLINE) as sock:
        sock.sendall(b"POST /v3.0/calls HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n")
        # The bug needs the request handed to the application before the broken part arrives.
        thread.run(_until_reading(thread))
        sock.sendall(b"zz\r\n")
        received = b""
        with contextlib.suppress(TimeoutError):  # a timeout is the hang: nothing was received
            while chunk := sock.recv(65536):
                received += chunk
    assert received, "the request was left hanging"
    status, _, body = responses(received)[0]
    assert status == 400 and b"the body could not be read" in body, body


async def _until_reading(thread: ServerThread) -> None:
    """Until a connection has a request in the application's hands (polled on the server's loop)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    runner = thread.server._runner
    assert runner is not None and runner.server is not None
    while not any(getattr(h, "_request_in_progress", False) for h in runner.server.connections):
        assert loop.time() < deadline, "the request never reached the application"
        await asyncio.sleep(0)  # sleep-ok: a yield, not a wait; aiohttp exposes no event for "request in hand"
