"""The Python side of the real-SDK adapter that needs no Node: configuration and mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringcheck.adapter import CallStatus, CallType, ReceiverType
from ringcheck.sdk import BridgeError, MissingBridge, SdkImplementation, SdkTarget, call_info

RAW_CALL = {
    "sessionId": "v1.local.ringcheck.000001",
    "status": "ongoing",
    "type": "video",
    "receiverType": "group",
    "initiator": "alex",
    "receiver": "team",
    "sender": "bob",
}


def test_call_info_maps_the_bridges_view_of_an_sdk_call() -> None:
    info = call_info(RAW_CALL, "test")
    assert info.session_id == "v1.local.ringcheck.000001"
    assert info.status is CallStatus.ONGOING
    assert info.call_type is CallType.VIDEO
    assert info.receiver_type is ReceiverType.GROUP
    assert (info.initiator, info.receiver, info.sender) == ("alex", "team", "bob")


def test_call_info_without_a_sender_keeps_it_unknown() -> None:
    assert call_info({**RAW_CALL, "sender": None}, "test").sender is None


@pytest.mark.parametrize(("field", "value"), [("status", "ringing"), ("type", None), ("initiator", None)])
def test_call_info_says_what_it_could_not_understand(field: str, value: object) -> None:
    raw = {**RAW_CALL, field: value}
    if value is None:
        del raw[field]
    with pytest.raises(BridgeError, match=r"Bob's phone: acceptCall\(x\): the SDK's Call is not one ringcheck"):
        call_info(raw, "Bob's phone: acceptCall(x)")


def test_plain_is_refused_for_anything_but_loopback() -> None:
    with pytest.raises(ValueError, match="only for a loopback server"):
        SdkTarget(app_id="a", auth_key="k", host="api.example.com:443/v3.0", plain=True)
    with pytest.raises(ValueError, match="only for a loopback server"):
        SdkTarget(app_id="a", auth_key="k", plain=True)
    assert SdkTarget(app_id="a", auth_key="k", host="localhost:9/v3.0", plain=True).is_loopback


def test_for_base_url_builds_the_override_host() -> None:
    target = SdkTarget.for_base_url("https://127.0.0.1:8443", "ringcheck", "key", Path("/tmp/ca.pem"))
    assert (target.host, target.plain, target.ca_file) == ("127.0.0.1:8443/v3.0", False, "/tmp/ca.pem")
    plain = SdkTarget.for_base_url("http://127.0.0.1:8080/", "ringcheck", "key")
    assert (plain.host, plain.plain, plain.ca_file) == ("127.0.0.1:8080/v3.0", True, None)
    with pytest.raises(ValueError, match="not an http"):
        SdkTarget.for_base_url("ws://127.0.0.1:1", "ringcheck", "key")


def test_from_env_reads_a_real_app_and_says_what_is_missing() -> None:
    target = SdkTarget.from_env(
        {"RINGCHECK_SDK_APP_ID": "1234abcd", "RINGCHECK_SDK_AUTH_KEY": "secret", "RINGCHECK_SDK_REGION": "us"}
    )
    assert (target.app_id, target.auth_key, target.region, target.host, target.plain) == (
        "1234abcd",
        "secret",
        "us",
        None,
        False,
    )
    assert target.device_config()["clientHost"] is None  # CometChat's own hosts for the region
    with pytest.raises(ValueError, match="RINGCHECK_SDK_AUTH_KEY"):
        SdkTarget.from_env({"RINGCHECK_SDK_APP_ID": "1234abcd"})


def test_device_env_trusts_the_ca_and_drops_node_options() -> None:
    base = {"PATH": "/usr/bin", "NODE_OPTIONS": "--inspect", "NODE_EXTRA_CA_CERTS": "/etc/ssl/bundle.pem"}
    tls = SdkTarget.for_base_url("https://127.0.0.1:1", "a", "k", "/tmp/ca.pem").device_env(base)
    assert tls["NODE_EXTRA_CA_CERTS"] == "/tmp/ca.pem"
    assert "NODE_OPTIONS" not in tls
    plain = SdkTarget.for_base_url("http://127.0.0.1:1", "a", "k").device_env(base)
    assert "NODE_EXTRA_CA_CERTS" not in plain
    remote = SdkTarget(app_id="a", auth_key="k").device_env(base)
    assert remote["NODE_EXTRA_CA_CERTS"] == "/etc/ssl/bundle.pem"


def test_a_missing_npm_install_is_named_with_the_command_to_run(tmp_path: Path) -> None:
    target = SdkTarget(app_id="a", auth_key="k", host="127.0.0.1:1/v3.0", plain=True, bridge_dir=tmp_path)
    with pytest.raises(MissingBridge, match="npm ci --prefix"):
        SdkImplementation(target)
