"""The journal's cheap writes (mockserver.journal): lazy summaries, shared frames, complete records.

Writing an entry must cost little (it happens on every request and frame) without the journal
ever saying less: a summary rendered late reads the same as one rendered at once, a frame kept
as its encoded bytes reads back as the frame, and a waiter is woken by the entry it waits for.
"""

from __future__ import annotations

import asyncio
import json
import math

import pytest

from mockserver.journal import Journal

from .support import DEADLINE, Api


def test_a_rendered_summary_is_rendered_once_and_only_when_read() -> None:
    calls: list[tuple[str, str]] = []

    def render(method: str, who: str, what: str) -> str:
        calls.append((who, what))
        return f"{who} did {what} ({method})"

    journal = Journal(lambda: 1.0)
    entry = journal.add_rendered("request", render, ("method",), ("POST", "alex", "a call"))
    assert calls == [], "nothing rendered at write time"
    assert entry.summary == "alex did a call (POST)"
    assert entry.summary == "alex did a call (POST)"
    assert calls == [("alex", "a call")], "rendered once, then kept"
    assert entry.data is entry.data, "the data made once, then kept"
    assert entry.as_json() == {
        "seq": 1,
        "at": 1.0,
        "kind": "request",
        "summary": "alex did a call (POST)",
        "data": {"method": "POST"},
    }


def test_a_frame_kept_as_bytes_reads_back_as_the_frame() -> None:
    frame = {"type": "message", "deviceId": "alex-1", "body": {"n": [1, 2.5, "é"]}}
    journal = Journal(lambda: 0.0)
    encoded = json.dumps(frame).encode()
    first = journal.add("frame", "told bob", uid="bob", frame=encoded)
    second = journal.add("frame", "told carol", uid="carol", frame=encoded)
    assert first.data["frame"] is second.data["frame"], "one encoding shared, not a copy per recipient"
    assert first.as_json()["data"] == {"uid": "bob", "frame": frame}
    assert [e.seq for e in journal.since()] == [1, 2]


@pytest.mark.asyncio
async def test_a_waiter_is_woken_by_the_entry_it_waits_for() -> None:
    """The wake-up event is made only while someone waits; a write must still wake them."""
    journal = Journal(lambda: 0.0)
    journal.add("timer", "before anyone waits")
    loop = asyncio.get_running_loop()
    loop.call_soon(journal.add, "request", "not it")  # both land once the waiter is waiting
    loop.call_soon(journal.add, "frame", "it")
    found = await journal.wait_for(lambda e: e.kind == "frame", 2, DEADLINE)
    assert found is not None and (found.seq, found.summary) == (3, "it")
    assert await journal.wait_for(lambda e: e.kind == "connection", 0, 0.01) is None


@pytest.mark.asyncio
async def test_request_lines_and_bodies_read_as_before(api: Api) -> None:
    """Rendered late, a request's line still shows who, from which device, and the body as sent."""
    alex = await api.login("alex", "alex-1")
    await api.online("bob", "bob-1")
    since = api.server.state.journal.next_seq
    await api.initiate(alex, "bob")
    await api.as_user(alex, "PUT", "/v3.0/calls/nope", {"status": "ended", "note": math.pi})
    requests = api.server.state.journal.since(since, lambda e: e.kind == "request")
    assert requests[0].summary == (
        'alex (alex-1): POST /v3.0/calls {"type":"audio","receiverType":"user","category":"call",'
        '"status":"initiated","receiver":"bob"}'
    )
    assert requests[1].data["body"] == {"status": "ended", "note": math.pi}
    assert requests[1].summary.endswith(f'PUT /v3.0/calls/nope {{"status":"ended","note":{math.pi!r}}}')
    reply = await api.admin("GET", "/journal", params={"kind": "frame", "since": str(since)})
    [frame] = reply.data["entries"]
    assert frame["data"]["frame"]["body"]["receiver"] == "bob", "the frame reads back whole"
