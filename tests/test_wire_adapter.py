"""The reference adapter's two clocks and its waits, against a real mock server reached as a
remote one.

With a server elsewhere the clients keep their own clock, and ``advance_time`` moves both. What
must hold: every timer on either side fires in the order it falls due, and a client timer meets
the server as it is at that moment (a reconnect tried at 5.5 s, while the server turns the device
away until 5.7 s, is turned away).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from mockserver import MockServer, ServerConfig
from mockserver.clock import VirtualClock
from ringcheck.loopthread import LoopThread
from ringcheck.servers import RemoteServer
from ringcheck.wire import adapter
from ringcheck.wire.adapter import WireImplementation
from ringcheck.wire.session import Endpoint


@dataclass
class Remote:
    loop: LoopThread
    server: MockServer
    handle: RemoteServer
    implementation: WireImplementation
    advances: list[float]

    @property
    def server_clock(self) -> VirtualClock:
        assert isinstance(self.server.clock, VirtualClock)
        return self.server.clock


@pytest.fixture
def remote() -> Iterator[Remote]:
    loop = LoopThread(name="lockstep-test")
    server = MockServer(ServerConfig(admin=True))
    loop.run(server.start(), what="starting the server")
    handle = RemoteServer(Endpoint(server.base_url, server.config.app_id, server.config.api_key), admin=True)
    loop.run(handle.start(), what="probing the server")
    advances: list[float] = []
    advance = handle.advance

    async def counted(seconds: float) -> None:
        advances.append(seconds)
        await advance(seconds)

    handle.advance = counted  # type: ignore[method-assign]
    implementation = WireImplementation(loop, handle)
    assert implementation.clock is not server.clock
    try:
        yield Remote(loop, server, handle, implementation, advances)
    finally:
        implementation.close()
        loop.run(handle.close(), what="closing the handle")
        loop.run(server.stop(), what="stopping the server")
        loop.close()


def test_timers_on_both_sides_fire_in_the_order_they_fall_due(remote: Remote) -> None:
    fired: list[tuple[str, float, float]] = []
    """(which, client clock, server clock), both relative to where they started."""
    client, server = remote.implementation.clock, remote.server_clock
    client_start, server_start = client.now(), server.now()

    def timer(name: str) -> object:
        async def fire() -> None:
            fired.append((name, client.now() - client_start, server.now() - server_start))

        return fire

    async def set_timers() -> None:
        client.call_later(44.5, timer("client 44.5"))  # type: ignore[arg-type]
        server.call_later(45.0, timer("server 45"))  # type: ignore[arg-type]
        server.call_later(20.0, timer("server 20"))  # type: ignore[arg-type]
        client.call_later(10.25, timer("client 10.25"))  # type: ignore[arg-type]

    remote.loop.run(set_timers())
    remote.implementation.advance_time(45)

    assert [name for name, _, _ in fired] == ["client 10.25", "server 20", "client 44.5", "server 45"]
    for name, at_client, at_server in fired:
        if name.startswith("client"):
            # A client timer meets the server at its own due time, not a round later.
            assert at_client == pytest.approx(float(name.split()[1]))
            assert at_server == pytest.approx(at_client)
    assert client.now() - client_start == pytest.approx(45)
    assert server.now() - server_start == pytest.approx(45)
    # One round per client timer, and one for the rest: not one per second.
    assert remote.advances == pytest.approx([10.25, 34.25, 0.5])


def test_a_reconnect_due_inside_the_servers_refusal_window_is_turned_away(remote: Remote) -> None:
    implementation, handle = remote.implementation, remote.handle
    bob = implementation.open_device("bob", "Bob's phone", lambda event: None)
    away = 5.2  # the reconnect comes 5.0 s after the drop, inside this window
    remote.loop.run(handle.add_fault({"action": "refuse-reconnects", "target": {"uid": "bob"}, "seconds": away}))
    remote.loop.run(handle.add_fault({"action": "close-socket", "target": {"uid": "bob"}}))
    assert bob.wait_online(False, 5.0)

    def refusals() -> int:
        rules = remote.loop.run(handle.faults())
        return sum(int(rule["applied"]) for rule in rules if rule["action"] == "refuse-reconnects")

    # The try falls due half a second before the end of a call, in the middle of a whole second.
    implementation.advance_time(0.5)
    implementation.advance_time(bob.reconnect_interval)
    assert refusals() == 1
    assert bob.wait_online(False, 5.0)

    implementation.advance_time(bob.reconnect_interval)
    assert bob.wait_online(True, 5.0)
    assert refusals() == 1


def test_a_wait_for_the_connection_longer_than_the_operation_deadline_says_false(
    remote: Remote, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step's own message ("should have reconnected ...") is the one the reader needs, so the
    loop thread must not give up first, whatever deadline the run was given."""
    bob = remote.implementation.open_device("bob", "Bob's phone", lambda event: None)
    remote.loop.run(remote.handle.add_fault({"action": "close-socket", "target": {"uid": "bob"}}))
    assert bob.wait_online(False, 5.0)
    monkeypatch.setattr(adapter, "OPERATION_DEADLINE", 0.2)
    assert bob.wait_online(True, 0.5) is False
