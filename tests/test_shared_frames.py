"""One encoding per event (mockserver.service, mockserver.wire): what every party gets is the same.

The server encodes a call message once and splices that JSON into the REST answer and into the
one frame every recipient gets. These tests pin that the splice is the message the server meant:
the answer's ``data`` equals each frame's ``body``, every recipient gets the same bytes, and the
journal keeps that one encoding for all of them.
"""

from __future__ import annotations

import json

import pytest

from mockserver import wire
from mockserver.jsonio import dumps, enveloped

from .support import Api


@pytest.mark.asyncio
async def test_a_group_ring_is_one_message_for_the_caller_and_every_member(api: Api) -> None:
    alex, alex_socket = await api.online("alex", "alex-1")
    _, bob_phone = await api.online("bob", "bob-phone")
    _, bob_laptop = await api.online("bob", "bob-laptop")
    _, carol = await api.online("carol", "carol-1")
    since = api.server.state.journal.next_seq
    answer = (await api.initiate(alex, "team", "group")).data
    frames = [(await socket.settle())[0] for socket in (bob_phone, bob_laptop, carol)]
    assert await alex_socket.settle() == [], "the caller's own device is not told"
    assert all(frame == frames[0] for frame in frames)
    assert frames[0]["body"] == answer, "the REST answer and the frames carry one message"
    assert {k: v for k, v in frames[0].items() if k != "body"} == {
        "appId": api.config.app_id,
        "type": "message",
        "deviceId": "alex-1",
        "sender": "alex",
        "receiver": "team",
        "receiverType": "group",
    }
    entries = api.server.state.journal.since(since, lambda e: e.kind == "frame")
    assert sorted(e.data["device"] for e in entries) == ["bob-laptop", "bob-phone", "carol-1"]
    assert len({id(e.data["frame"]) for e in entries}) == 1, "the journal keeps one encoding, not a copy each"
    assert json.loads(entries[0].data["frame"]) == frames[0]


def test_the_spliced_frame_is_the_frame_encoded_whole() -> None:
    message = {"sender": "alex", "receiver": "bob", "receiverType": "user", "data": {"ünï": ["cödé", 1, 2.5, None]}}
    spliced = wire.encoded_frame("app", None, message, dumps(message))
    assert json.loads(spliced) == wire.message_frame("app", None, message)
    assert json.loads(enveloped(dumps(message))) == {"data": message}


def test_what_orjson_refuses_is_encoded_by_the_standard_library() -> None:
    """A client may send an integer past 64 bits; echoing it must not fail the request."""
    big = {"n": 2**70, "text": "é"}
    assert json.loads(dumps(big)) == big
