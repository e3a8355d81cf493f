"""Each SDK profile loads its own pinned package and rings; where it differs, the bridge says so.

One module-scoped implementation per profile, against one TLS mock server. The whole suite per
profile is `tox -e sdk / sdk-js3 / sdk-rn`; these tests pin what the profiles themselves promise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from ringcheck.adapter import Callback, CallStatus, CallType, ReceiverType
from ringcheck.background import BackgroundMockServer
from ringcheck.journal import EventLog
from ringcheck.sdk import PROFILES, BridgeError, SdkDevice, SdkImplementation, SdkStuck, profile_named

from .support import event_log, requires_sdk, sdk_target

pytestmark = requires_sdk

Open = Callable[[str], tuple[SdkDevice, EventLog]]


@pytest.fixture(scope="module", params=list(PROFILES))
def profiled(request: pytest.FixtureRequest, server: BackgroundMockServer) -> Iterator[SdkImplementation]:
    implementation = SdkImplementation(
        sdk_target(server), profile=PROFILES[request.param], advance_server=server.advance, warm_processes=1
    )
    yield implementation
    implementation.close()


@pytest.fixture
def open_as(profiled: SdkImplementation, server: BackgroundMockServer) -> Iterator[Open]:
    def opener(uid: str) -> tuple[SdkDevice, EventLog]:
        log = event_log(uid)
        device = profiled.open_device(uid, f"{uid}'s {profiled.profile.name}", log)
        device.add_call_listener("L1")
        return device, log

    yield opener
    profiled.reset()
    server.reset()


def test_each_profile_loads_its_package_and_completes_a_call(
    profiled: SdkImplementation, open_as: Open, server: BackgroundMockServer
) -> None:
    alex, alex_log = open_as("alex")
    bob, bob_log = open_as("bob")
    assert profiled.last_ready is not None
    assert profiled.last_ready.sdk_version == profiled.profile.version
    assert f"/{profiled.profile.package}/" in profiled.last_ready.sdk_file
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    assert bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED).call.session_id == call.session_id
    bob.accept_call(call.session_id)
    alex_log.wait_for(Callback.OUTGOING_CALL_ACCEPTED, CallStatus.ONGOING)
    bob.end_call(call.session_id)
    alex_log.wait_for(Callback.CALL_ENDED_MESSAGE_RECEIVED, CallStatus.ENDED)
    journal = server.journal()
    # The same lines the refusal tests below look for (and must not find).
    assert [line for line in journal if "POST /v3.0/calls" in line]
    assert [line for line in journal if f"PUT /v3.0/calls/{call.session_id}" in line]
    assert profiled.describe()["sdk"] == f"{profiled.profile.package} {profiled.profile.version}"


def test_a_timeout_is_refused_where_the_sdk_takes_none(
    profiled: SdkImplementation, open_as: Open, server: BackgroundMockServer
) -> None:
    """SDK 3.0.13 would ignore it silently; the adapter says so instead, before anything is sent."""
    if profiled.profile.call_timeout:
        pytest.skip(f"{profiled.profile.name} takes a timeout")
    alex, _ = open_as("alex")
    open_as("bob")
    before = len(server.journal())
    with pytest.raises(BridgeError, match="initiateCall takes no timeout"):
        alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO, timeout=60)
    alex.settle()
    assert not [line for line in server.journal()[before:] if "POST /v3.0/calls" in line]


def test_clear_active_call_is_refused_where_the_sdk_has_none(profiled: SdkImplementation, open_as: Open) -> None:
    alex, _ = open_as("alex")
    if profiled.profile.clear_active_call:
        alex.clear_active_call()  # exists: no error
        return
    with pytest.raises(BridgeError, match=r"has no CometChat\.clearActiveCall"):
        alex.clear_active_call()


def test_react_natives_cancel_by_the_callee_is_reported_stuck_at_once(
    profiled: SdkImplementation, open_as: Open, server: BackgroundMockServer
) -> None:
    """React Native 4.0.21's cancelCall has no else branch: for a call it did not start it sends
    nothing and never settles. The bridge knows, and answers within one turn, not at the deadline."""
    if profiled.profile.name != "rn-4.0.21":
        pytest.skip("only the React Native SDK's cancelCall refuses this way")
    alex, _ = open_as("alex")
    bob, bob_log = open_as("bob")
    call = alex.initiate_call("bob", ReceiverType.USER, CallType.AUDIO)
    bob_log.wait_for(Callback.INCOMING_CALL_RECEIVED)
    before = len(server.journal())
    started = time.monotonic()
    with pytest.raises(SdkStuck, match="nothing was sent"):
        bob.reject_call(call.session_id, CallStatus.CANCELLED)
    assert time.monotonic() - started < profiled.target.request_timeout
    bob.settle()
    assert not [line for line in server.journal()[before:] if f"PUT /v3.0/calls/{call.session_id}" in line]


def test_an_unknown_profile_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match=r"js-4\.2\.0, js-3\.0\.13, rn-4\.0\.21"):
        profile_named("js-5")
