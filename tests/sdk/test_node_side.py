"""The Node side on its own: the device program's start-up, the shim, and the SDK's private clock."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ringcheck.sdk import BridgeDied, NodeBridge, default_bridge_dir

from .support import NODE, requires_sdk

pytestmark = requires_sdk

BRIDGE = default_bridge_dir()
CONFIG = {"appId": "ringcheck", "clientHost": "127.0.0.1:9/v3.0", "plain": True}


def run_node(script: str) -> dict[str, object]:
    """Run ``script`` in sdkbridge/ and return the JSON object it prints last."""
    assert NODE is not None
    done = subprocess.run([NODE, "-e", script], cwd=BRIDGE, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


def test_the_device_program_loads_the_unmodified_sdk_from_node_modules() -> None:
    bridge = NodeBridge("probe", BRIDGE, CONFIG)
    try:
        ready = bridge.wait_ready(15)
        assert ready.sdk_version == "4.2.0"
        assert Path(ready.sdk_file) == BRIDGE / "node_modules" / "@cometchat" / "chat-sdk-javascript" / "CometChat.js"
        assert ready.node.startswith("v")
        status = bridge.request("status", {}, 5)
        assert status["connection"] == "disconnected"  # initialised, not logged in
        with pytest.raises(Exception, match="unknown op"):
            bridge.request("noSuchOp", {}, 5)
    finally:
        bridge.close()


def test_the_shim_downgrades_only_loopback_urls() -> None:
    result = run_node(
        """
        const { downgradeLoopback } = require('./shim');
        console.log(JSON.stringify({
          loopback: downgradeLoopback('https://127.0.0.1:8443/v3.0/me'),
          localhost: downgradeLoopback('wss://localhost:8443'),
          remote: downgradeLoopback('https://app.apiclient-eu.cometchat.io/v3.0/me'),
          remoteWs: downgradeLoopback('wss://app.websocket-eu.cometchat.io:443'),
        }));
        """
    )
    assert result == {
        "loopback": "http://127.0.0.1:8443/v3.0/me",
        "localhost": "ws://localhost:8443/",
        "remote": "https://app.apiclient-eu.cometchat.io/v3.0/me",
        "remoteWs": "wss://app.websocket-eu.cometchat.io:443",
    }


def test_the_sdk_runs_on_its_own_fake_clock_while_node_keeps_real_time() -> None:
    """A call with a 2 s timeout: its timer moves only with the SDK clock, and the real
    setTimeout the rest of the process uses is untouched."""
    result = run_node(
        """
        const { installBrowserGlobals, Activity, makeFetch, makeWebSocketClass } = require('./shim');
        const { createSdkClock } = require('./sdkclock');
        const { loadSdk } = require('./loader');
        process.on('unhandledRejection', () => {});
        installBrowserGlobals({ userAgent: 'test' });
        const realSetTimeout = globalThis.setTimeout;
        const activity = new Activity();
        const clock = createSdkClock();
        const { sdk } = loadSdk({
          ...clock.timers,
          fetch: async () => { throw new Error('no network in this test'); },
          WebSocket: makeWebSocketClass({ plain: true, activity, trace() {}, onAuth() {}, onSocketEvent() {} }),
        });
        const { CometChat } = sdk;
        const settings = new CometChat.AppSettingsBuilder().setRegion('eu').build();
        CometChat.init('ringcheck', settings).then(async () => {
          const call = new CometChat.Call('bob', 'audio', 'user');
          call.sender = 'alex';  // no request: initiateCall only makes it the active call
          await CometChat.initiateCall(call, 2);
          const out = { globalsUntouched: globalThis.setTimeout === realSetTimeout,
                        fakeTimers: clock.pending() };
          await new Promise((r) => realSetTimeout(r, 50));
          out.activeAfter50RealMs = CometChat.getActiveCall() !== null;
          clock.clock.tick(1999);
          out.activeAt1999 = CometChat.getActiveCall() !== null;
          await clock.clock.tickAsync(1);
          await new Promise((r) => setImmediate(r));
          out.activeAt2000 = CometChat.getActiveCall() !== null;
          out.sdkDateMoved = clock.elapsed();
          console.log(JSON.stringify(out));
          process.exit(0);
        });
        """
    )
    assert result == {
        "globalsUntouched": True,
        "fakeTimers": 1,
        "activeAfter50RealMs": True,
        "activeAt1999": True,
        "activeAt2000": False,
        "sdkDateMoved": 2000,
    }


def test_unknown_json_on_stdin_is_reported_not_fatal() -> None:
    bridge = NodeBridge("probe", BRIDGE, CONFIG)
    try:
        bridge.wait_ready(15)
        assert bridge._proc.stdin is not None
        bridge._proc.stdin.write("this is not json\n")
        bridge._proc.stdin.flush()
        assert bridge.request("getActiveCall", {}, 5) is None
        assert any("unreadable request line" in p for p in bridge.problems)
    finally:
        bridge.close()


def fake_device(tmp_path: Path, body: str) -> Path:
    """A stand-in device.js, to make the bridge's failure paths happen on purpose."""
    (tmp_path / "device.js").write_text(body)
    return tmp_path


def test_a_crash_before_ready_names_the_exit_code_and_the_stderr_tail(tmp_path: Path) -> None:
    folder = fake_device(tmp_path, "console.error('boom: the shim could not start'); process.exit(3);")
    bridge = NodeBridge("Broken phone", folder, CONFIG)
    with pytest.raises(BridgeDied, match=r"Broken phone: the Node process \(pid \d+\) exited with code 3") as died:
        bridge.wait_ready(15)
    assert "boom: the shim could not start" in str(died.value)
    bridge.close()


def test_a_crash_during_a_request_fails_that_request_with_the_stderr_tail(tmp_path: Path) -> None:
    folder = fake_device(
        tmp_path,
        """
        process.stdout.write(JSON.stringify({event: 'ready', pid: process.pid, startupMs: 1}) + '\\n');
        process.stdin.once('data', () => { console.error('FATAL: out of cheese'); process.exit(7); });
        """,
    )
    bridge = NodeBridge("Bob's phone", folder, CONFIG)
    bridge.wait_ready(15)
    with pytest.raises(
        BridgeDied, match=r"Bob's phone: the Node process .* exited with code 7 while waiting for acceptCall"
    ) as died:
        bridge.request("acceptCall", {"sessionId": "x"}, 5, "acceptCall(x)")
    assert "stderr tail:\n  FATAL: out of cheese" in str(died.value)
    with pytest.raises(BridgeDied):
        bridge.request("getActiveCall", {}, 5)
    bridge.close()


def test_a_program_that_cannot_start_is_reported(tmp_path: Path) -> None:
    with pytest.raises(BridgeDied, match="cannot start"):
        NodeBridge("Bob's phone", tmp_path / "missing", CONFIG)
