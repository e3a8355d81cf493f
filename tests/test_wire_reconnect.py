"""The reference client's WebSocket reconnect, against a real mock server on 127.0.0.1.

It mirrors SDK 4.2.0 (docs/reconnect.md): a socket the app did not close is reopened 5 seconds
later on the client's clock, with the same device id, and every 5 seconds while refused; nothing
missed is fetched. The server drops the socket here by hanging up its side of the connection,
which is what any network failure looks like to the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio

from mockserver import ServerConfig
from mockserver.config import OnReconnect
from ringcheck.adapter import Callback, CallStatus, CallType, ListenerEvent, ReceiverType, Refused
from ringcheck.wire.device import WireDevice
from ringcheck.wire.session import Endpoint, ProtocolError

from .support import DEADLINE, Api, running

pytestmark = pytest.mark.asyncio


@dataclass
class Phone:
    device: WireDevice
    heard: list[ListenerEvent] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


@pytest_asyncio.fixture
async def phones(api: Api) -> AsyncIterator[dict[str, Phone]]:
    endpoint = Endpoint(api.server.base_url, api.config.app_id, api.config.api_key)
    made: dict[str, Phone] = {}
    for uid in ("alex", "bob"):
        heard: list[ListenerEvent] = []
        log: list[str] = []
        device = WireDevice(endpoint, uid, api.http, api.clock, heard.append, log.append)
        await device.session.login()
        device.add_call_listener("app")
        made[uid] = Phone(device, heard, log)
    yield made
    for phone in made.values():
        await phone.device.close()


async def drop(api: Api, phone: Phone) -> None:
    """The server hangs up the device's socket; return once the client has seen it close."""
    session = phone.device.session
    reader = session._reader
    assert reader is not None
    connections = [c for c in api.server.state.hub.connections() if c.device == session.device_id]
    assert len(connections) == 1, connections
    await connections[0].hang_up()
    await asyncio.wait_for(asyncio.shield(reader), DEADLINE)
    assert not session.connected


def devices_online(api: Api, uid: str) -> list[str]:
    return api.server.state.hub.devices_of(uid)


async def ring(alex: Phone) -> str:
    call = await alex.device.initiate_call("bob", ReceiverType.USER, CallType.AUDIO, None)
    return call.session_id


async def test_reconnects_five_seconds_later_with_the_same_device_id(api: Api, phones: dict[str, Phone]) -> None:
    bob = phones["bob"]
    await drop(api, bob)
    assert devices_online(api, "bob") == []
    await api.clock.advance(4.9)
    assert not bob.device.session.connected and bob.device.session.reconnects == 0
    await api.clock.advance(0.1)
    assert bob.device.session.connected and bob.device.session.reconnects == 1
    assert devices_online(api, "bob") == [bob.device.session.device_id]
    # and it hears what is sent after it came back
    session_id = await ring(phones["alex"])
    await bob.device.session.barrier()
    assert [(e.callback, e.call.session_id) for e in bob.heard] == [(Callback.INCOMING_CALL_RECEIVED, session_id)]


async def test_an_event_sent_while_away_is_lost(api: Api, phones: dict[str, Phone]) -> None:
    bob = phones["bob"]
    await drop(api, bob)
    await ring(phones["alex"])
    await api.clock.advance(5)
    assert bob.device.session.connected
    await bob.device.session.barrier()
    assert bob.heard == []


async def test_a_refused_reconnect_is_tried_again_every_five_seconds(api: Api, phones: dict[str, Phone]) -> None:
    bob = phones["bob"]
    session = bob.device.session
    target = {"uid": "bob", "device": session.device_id}
    rule = {"action": "refuse-reconnects", "target": target, "count": 2}
    assert (await api.admin("POST", "/faults", rule)).status == 201
    await drop(api, bob)
    await api.clock.advance(5)
    assert not session.connected and session.reconnects == 0
    assert any("reconnect failed" in line for line in bob.log), bob.log
    await api.clock.advance(5)
    assert not session.connected and session.reconnects == 0
    await api.clock.advance(4.9)
    assert not session.connected
    await api.clock.advance(0.1)
    assert session.connected and session.reconnects == 1


async def test_an_aborted_transport_is_reconnected_too(api: Api, phones: dict[str, Phone]) -> None:
    """close-socket aborts the TCP connection with no close frame, as a dead network does."""
    bob = phones["bob"]
    reader = bob.device.session._reader
    assert reader is not None
    target = {"uid": "bob", "device": bob.device.session.device_id}
    assert (await api.admin("POST", "/faults", {"action": "close-socket", "target": target})).status == 201
    await asyncio.wait_for(asyncio.shield(reader), DEADLINE)
    assert not bob.device.session.connected
    await api.clock.advance(5)
    assert bob.device.session.connected and devices_online(api, "bob") == [bob.device.session.device_id]


async def test_settle_while_disconnected_fails_at_once_saying_why(api: Api, phones: dict[str, Phone]) -> None:
    """Not a vacuous pass: a device that cannot hear anything cannot show it was told nothing."""
    bob = phones["bob"]
    await drop(api, bob)
    with pytest.raises(ProtocolError, match="dropped and has not reconnected"):
        await asyncio.wait_for(bob.device.session.barrier(), DEADLINE)
    await api.clock.advance(5)
    await asyncio.wait_for(bob.device.session.barrier(), DEADLINE)


async def test_a_socket_the_app_closed_is_not_reopened(api: Api, phones: dict[str, Phone]) -> None:
    alex, bob = phones["alex"], phones["bob"]
    await bob.device.sign_out()
    await alex.device.close()
    await api.clock.advance(30)
    assert devices_online(api, "bob") == [] and devices_online(api, "alex") == []
    assert bob.device.session.reconnects == 0 and alex.device.session.reconnects == 0
    assert not [t for t in api.clock.pending if "reconnect" in t.label]


async def test_ring_expiry_stops_the_ringing_when_the_caller_vanished() -> None:
    """The caller's app dies while the call rings (its no-answer timer dies with it): only the
    server's ring expiry tells the callee, who then stops ringing; answering is refused after."""
    async with running(ServerConfig(admin=True, ring_expiry=30)) as api:
        endpoint = Endpoint(api.server.base_url, api.config.app_id, api.config.api_key)
        heard: list[ListenerEvent] = []
        alex = WireDevice(endpoint, "alex", api.http, api.clock, lambda event: None, lambda line: None)
        bob = WireDevice(endpoint, "bob", api.http, api.clock, heard.append, lambda line: None)
        for device in (alex, bob):
            await device.session.login()
        bob.add_call_listener("app")
        try:
            call = await alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO, None)
            await alex.close()  # the app is gone: no cancel, no timer
            await api.clock.advance(30)
            await bob.session.barrier()
            assert [(e.callback, e.call.status) for e in heard] == [
                (Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED),
                (Callback.INCOMING_CALL_CANCELLED, CallStatus.UNANSWERED),
            ]
            with pytest.raises(Refused) as refusal:
                await bob.accept_call(call.session_id)
            assert refusal.value.code == "ERR_CALL_TERMINATED"
            assert bob.get_active_call() is None
        finally:
            await bob.close()


@pytest.mark.parametrize(("on_reconnect", "told"), [("nothing", False), ("current-state", True)])
async def test_what_a_reconnected_device_is_told_follows_the_servers_option(
    on_reconnect: OnReconnect, told: bool
) -> None:
    """Default: a cancel sent while Bob was away is lost to him. With ``current-state`` the server
    sends the call's current message when he is back, and the reference client acts on it as on
    any cancel: it tells the app, and the phone stops ringing."""
    async with running(ServerConfig(admin=True, on_reconnect=on_reconnect)) as api:
        endpoint = Endpoint(api.server.base_url, api.config.app_id, api.config.api_key)
        heard: list[ListenerEvent] = []
        alex = WireDevice(endpoint, "alex", api.http, api.clock, lambda event: None, lambda line: None)
        bob = Phone(WireDevice(endpoint, "bob", api.http, api.clock, heard.append, lambda line: None), heard)
        for device in (alex, bob.device):
            await device.session.login()
        bob.device.add_call_listener("app")
        try:
            call = await alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO, None)
            await bob.device.session.barrier()
            await drop(api, bob)
            await alex.reject_call(call.session_id, CallStatus.CANCELLED)
            await api.clock.advance(5)
            assert bob.device.session.connected
            await bob.device.session.barrier()
            expected = [(Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED)]
            if told:
                expected.append((Callback.INCOMING_CALL_CANCELLED, CallStatus.CANCELLED))
            assert [(e.callback, e.call.status) for e in heard] == expected
        finally:
            await alex.close()
            await bob.device.close()
