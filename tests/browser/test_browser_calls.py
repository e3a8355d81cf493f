"""The unmodified CometChat JS SDK 4.2.0 in a page in headless Chromium, calling an SDK in Node.

What this shows that the Node runs cannot: a web app pointed at the mock server works. The page
is served from its own loopback origin, so every SDK request is a cross-origin fetch with a
CORS preflight (mockserver/cors.py), and its socket is the browser's WebSocket over TLS.

Each complete call is checked from both ends: what each party's listeners heard (waited for
with a deadline), what the other party was not told (after settle()), and the active calls.
Needs Debian's chromium at /usr/bin/chromium and the `browser` extra (Playwright for Python);
`tox -e browser` installs both.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ringcheck.adapter import Callback, CallInfo, CallStatus, CallType, Device, ReceiverType, Refused
from ringcheck.background import BackgroundMockServer
from ringcheck.journal import EventLog, shared_counter
from ringcheck.sdk import SdkImplementation
from tests.sdk.support import SDK_INSTALLED, sdk_target

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (tox -e browser)"),
    pytest.mark.skipif(not SDK_INSTALLED, reason="the SDK is not installed: run `npm ci --prefix sdkbridge`"),
    pytest.mark.skipif(shutil.which("node") is None, reason="the device in Node needs node on PATH"),
]

playwright = pytest.importorskip("playwright", reason="Playwright for Python is the `browser` extra (tox -e browser)")

from ringcheck.browser import BrowserImplementation, BrowserTarget  # noqa: E402 - after the skip

Party = tuple[Device, EventLog]
Opener = Callable[[], tuple[Party, Party]]


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundMockServer]:
    with BackgroundMockServer(tls=True) as background:
        yield background


@pytest.fixture(scope="module")
def browser(server: BackgroundMockServer) -> Iterator[BrowserImplementation]:
    endpoint = server.endpoint
    implementation = BrowserImplementation(
        BrowserTarget.for_base_url(endpoint.base_url, endpoint.app_id, endpoint.api_key)
    )
    yield implementation
    implementation.close()


@pytest.fixture(scope="module")
def node(server: BackgroundMockServer) -> Iterator[SdkImplementation]:
    implementation = SdkImplementation(sdk_target(server), advance_server=server.advance, warm_processes=1)
    yield implementation
    implementation.close()


@pytest.fixture
def parties(browser: BrowserImplementation, node: SdkImplementation, server: BackgroundMockServer) -> Iterator[Opener]:
    """Alex on a page in Chromium, Bob on an SDK in Node, both listening on "L1"."""

    def opener() -> tuple[Party, Party]:
        counter = shared_counter()
        alex_log, bob_log = EventLog("Alex's browser", counter), EventLog("Bob's Node SDK", counter)
        alex = browser.open_device("alex", "Alex's browser", alex_log)
        bob = node.open_device("bob", "Bob's Node SDK", bob_log)
        for device in (alex, bob):
            device.add_call_listener("L1")
        return (alex, alex_log), (bob, bob_log)

    yield opener
    browser.reset()
    node.reset()
    server.reset()


def nothing_more(*parties: Party) -> None:
    for device, log in parties:
        device.settle()
        assert not log.unaccounted(), f"{log.device} was also told {[h.describe() for h in log.unaccounted()]}"


def told(log: EventLog, callback: Callback, status: CallStatus, call: CallInfo, by: str) -> None:
    event = log.wait_for(callback, status)
    assert (event.call.session_id, event.call.sender) == (call.session_id, by), event


def test_the_page_is_a_cross_origin_web_app(browser: BrowserImplementation, server: BackgroundMockServer) -> None:
    assert browser.page_origin.startswith("http://127.0.0.1:")
    assert browser.page_origin != server.endpoint.base_url  # so every SDK request was preflighted


def test_accept_then_end_from_the_browser(parties: Opener) -> None:
    (alex, alex_log), (bob, bob_log) = parties()
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.VIDEO)
    assert (call.status, call.initiator, call.receiver) == (CallStatus.INITIATED, "alex", "bob")
    told(bob_log, Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED, call, by="alex")
    accepted = bob.accept_call(call.session_id)
    assert accepted.status is CallStatus.ONGOING
    told(alex_log, Callback.OUTGOING_CALL_ACCEPTED, CallStatus.ONGOING, call, by="bob")
    nothing_more((alex, alex_log), (bob, bob_log))
    active = alex.get_active_call()
    assert active is not None and active.session_id == call.session_id
    ended = alex.end_call(call.session_id)
    assert ended is not None and ended.status is CallStatus.ENDED
    told(bob_log, Callback.CALL_ENDED_MESSAGE_RECEIVED, CallStatus.ENDED, call, by="alex")
    nothing_more((alex, alex_log), (bob, bob_log))
    bob.clear_active_call()
    alex.clear_active_call()
    assert (alex.get_active_call(), bob.get_active_call()) == (None, None)


def test_the_browser_is_called_accepts_and_the_caller_ends(parties: Opener) -> None:
    (alex, alex_log), (bob, bob_log) = parties()
    call = bob.initiate_call("alex", ReceiverType.USER, CallType.AUDIO)
    told(alex_log, Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED, call, by="bob")
    assert alex.accept_call(call.session_id).status is CallStatus.ONGOING
    told(bob_log, Callback.OUTGOING_CALL_ACCEPTED, CallStatus.ONGOING, call, by="alex")
    bob.end_call(call.session_id)
    told(alex_log, Callback.CALL_ENDED_MESSAGE_RECEIVED, CallStatus.ENDED, call, by="bob")
    nothing_more((alex, alex_log), (bob, bob_log))


def test_the_browser_rejects(parties: Opener) -> None:
    (alex, alex_log), (bob, bob_log) = parties()
    call = bob.initiate_call("alex", ReceiverType.USER, CallType.AUDIO)
    told(alex_log, Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED, call, by="bob")
    assert alex.reject_call(call.session_id, CallStatus.REJECTED).status is CallStatus.REJECTED
    told(bob_log, Callback.OUTGOING_CALL_REJECTED, CallStatus.REJECTED, call, by="alex")
    nothing_more((alex, alex_log), (bob, bob_log))
    assert bob.get_active_call() is None  # the SDK ends the caller's call on a rejection


def test_the_browser_is_busy(parties: Opener) -> None:
    (alex, alex_log), (bob, bob_log) = parties()
    call = bob.initiate_call("alex", ReceiverType.USER, CallType.VIDEO)
    told(alex_log, Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED, call, by="bob")
    assert alex.reject_call(call.session_id, CallStatus.BUSY).status is CallStatus.BUSY
    told(bob_log, Callback.OUTGOING_CALL_REJECTED, CallStatus.BUSY, call, by="alex")
    nothing_more((alex, alex_log), (bob, bob_log))
    assert bob.get_active_call() is None


def test_the_browser_cancels_its_own_call(parties: Opener) -> None:
    (alex, alex_log), (bob, bob_log) = parties()
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    told(bob_log, Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED, call, by="alex")
    assert alex.reject_call(call.session_id, CallStatus.CANCELLED).status is CallStatus.CANCELLED
    told(bob_log, Callback.INCOMING_CALL_CANCELLED, CallStatus.CANCELLED, call, by="alex")
    nothing_more((alex, alex_log), (bob, bob_log))
    assert alex.get_active_call() is None


def test_the_page_reports_a_refusal_with_the_sdks_code(parties: Opener) -> None:
    """A second call while one is active is refused by the SDK in the page, not lost."""
    (alex, _), (_, bob_log) = parties()
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    told(bob_log, Callback.INCOMING_CALL_RECEIVED, CallStatus.INITIATED, call, by="alex")
    with pytest.raises(Refused) as refused:
        alex.initiate_call("carol", ReceiverType.USER, CallType.AUDIO)
    assert refused.value.code == "CALL_ALREADY_INITIATED"
