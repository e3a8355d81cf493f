"""Pieces for code without an event loop: the mock server on a background loop, and waiting on
what a device heard.

The client side here runs on the test's own thread, one short ``asyncio.run`` per exchange, as a
script or another test framework would; the server answers from its loop in the background.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import pytest

from ringcheck.adapter import Callback, CallInfo, CallStatus, CallType, ListenerEvent, ReceiverType
from ringcheck.background import BackgroundMockServer
from ringcheck.journal import EventLog, shared_counter

from .support import DEADLINE, Api, Login, Reply

T = TypeVar("T")


def over_the_wire(background: BackgroundMockServer, exchange: Callable[[Api], Awaitable[T]]) -> T:
    """Run ``exchange`` with a client of ``background`` on a loop of the calling thread."""

    async def run() -> T:
        connector = aiohttp.TCPConnector(ssl=background.endpoint.ssl_context or True)
        async with aiohttp.ClientSession(connector=connector) as http:
            return await exchange(Api(background.server, http))

    return asyncio.run(run())


def session_of(reply: Reply) -> str:
    return str(reply.data["data"]["entities"]["on"]["entity"]["sessionid"])


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_the_background_server_serves_moves_its_clock_resets_and_stops(tls: bool) -> None:
    with BackgroundMockServer(tls=tls) as background:
        endpoint = background.endpoint
        assert endpoint.base_url == background.server.base_url
        assert endpoint.base_url.startswith("https://" if tls else "http://")
        ca_file = background.ca_file
        assert (ca_file is not None and ca_file.is_file()) is tls

        async def alex_calls_bob(api: Api) -> tuple[Login, str, float]:
            alex = await api.login("alex", "alex-1")
            session_id = session_of(await api.initiate(alex, "bob"))
            return alex, session_id, (await api.admin("GET", "/clock")).data["now"]

        alex, session_id, before = over_the_wire(background, alex_calls_bob)
        assert any("POST /v3.0/calls" in line for line in background.journal()), background.journal()

        background.advance(45)

        async def read_clock(api: Api) -> float:
            return float((await api.admin("GET", "/clock")).data["now"])

        assert over_the_wire(background, read_clock) == pytest.approx(before + 45)

        background.reset()

        async def after_the_reset(api: Api) -> None:
            (await api.update(alex, session_id, "cancelled")).refused("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401)
            alex_again = await api.login("alex", "alex-1")
            (await api.update(alex_again, session_id, "cancelled")).refused("ERR_CALL_SESSION_NOT_FOUND", 404)

        over_the_wire(background, after_the_reset)
        port = background.server.port

    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=DEADLINE).close()
    assert ca_file is None or not ca_file.exists()
    background.close()  # closing again does nothing


def test_a_background_server_that_cannot_start_leaves_no_loop_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(self: object) -> None:
        raise OSError("no port for you")

    monkeypatch.setattr("ringcheck.servers.EmbeddedServer.start", refuse)
    threads = set(threading.enumerate())
    with pytest.raises(OSError, match="no port for you"):
        BackgroundMockServer(tls=False)
    assert [t.name for t in threading.enumerate() if t not in threads] == []


def event(callback: Callback, status: CallStatus, listener_id: str = "L1") -> ListenerEvent:
    call = CallInfo("v1.test.1", status, CallType.AUDIO, ReceiverType.USER, "alex", "bob", "alex")
    return ListenerEvent(listener_id, callback, call)


def test_an_event_log_waits_for_each_event_once_and_says_what_it_heard_instead() -> None:
    log = EventLog("Bob's phone", shared_counter())
    ring = event(Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED)
    adapter = threading.Thread(target=log, args=(ring,))  # events come from the adapter's thread
    adapter.start()
    assert log.wait_for(Callback.INCOMING_CALL_RECEIVED, deadline=DEADLINE) is ring
    adapter.join()
    log(event(Callback.INCOMING_CALL_CANCELLED, CallStatus.CANCELLED, "L2"))

    assert log.wait_for(Callback.INCOMING_CALL_CANCELLED, CallStatus.CANCELLED, "L2", deadline=0).listener_id == "L2"
    assert log.unaccounted() == []
    with pytest.raises(AssertionError) as again:
        log.wait_for(Callback.INCOMING_CALL_RECEIVED, deadline=0)
    message = str(again.value)
    assert message.startswith("Bob's phone should have been called back within 0 s (onIncomingCallReceived).")
    assert "#1 onIncomingCallReceived (initiated, caused by alex) on listener 'L1'" in message
    with pytest.raises(AssertionError, match=r"\(onIncomingCallCancelled with status cancelled, on listener 'L1'\)"):
        log.wait_for(Callback.INCOMING_CALL_CANCELLED, CallStatus.CANCELLED, "L1", deadline=0)
