"""ringcheck's contract, met for the ringalong service: its REST calls, its event stream and its
problem codes translated to the suite's operations, callbacks and CometChat's error codes.

``--ringcheck-server embedded`` (the default) starts ringalong in-process on 127.0.0.1; a URL uses
a running one. ``ringalong-faulty`` is the same with one deliberate fault (a busy answer is
reported to the caller as a plain rejection), to show the expectations file's ratchet at work.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohttp import web
from ringalong.web import make_app

from ringcheck.adapter import (
    Callback,
    CallInfo,
    CallStatus,
    CallType,
    Capabilities,
    Device,
    EventSink,
    Implementation,
    ListenerEvent,
    ReceiverType,
    Refused,
)
from ringcheck.loopthread import LoopThread
from ringcheck.settings import Settings

CODES = {
    "no-such-person": "ERR_UID_NOT_FOUND",
    "no-such-ring": "ERR_CALL_SESSION_NOT_FOUND",
    "self": "ERR_CALLING_SELF",
    "over": "ERR_CALL_TERMINATED",
    "not-yours": "ERR_CALL_NOT_A_PART",
    "wrong-side": "ERR_CALL_WRONG_PARTY",
    "not-connected": "ERR_CALL_NOT_STARTED",
    "already-connected": "ERR_CALL_USER_ALREADY_JOINED",
    "connected": "ERR_CALL_ONGOING_TO_INVALID",
    "no-such-device": "AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
}
"""ringalong's problem codes and the CometChat error code each stands for."""

STATES = {
    "ringing": CallStatus.INITIATED,
    "connected": CallStatus.ONGOING,
    "declined": CallStatus.REJECTED,
    "busy": CallStatus.BUSY,
    "withdrawn": CallStatus.CANCELLED,
    "missed": CallStatus.UNANSWERED,
    "finished": CallStatus.ENDED,
}
DEFAULT_RING_SECONDS = 45
SETTLE_SECONDS = 5.0


def call_info(ring: dict[str, str]) -> CallInfo:
    return CallInfo(
        session_id=ring["id"],
        status=STATES[ring["state"]],
        call_type=CallType(ring["media"]),
        receiver_type=ReceiverType.USER,
        initiator=ring["caller"],
        receiver=ring["callee"],
        sender=ring.get("actor") or None,
    )


class Ringalong:
    """The service's HTTP API, spoken on the adapter's loop."""

    def __init__(self, loop: LoopThread, base_url: str) -> None:
        self.loop = loop
        self.base_url = base_url.rstrip("/")
        self.http: aiohttp.ClientSession | None = None

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.http is None:
            self.http = aiohttp.ClientSession()
        async with self.http.post(f"{self.base_url}{path}", json=body) as response:
            answer: dict[str, Any] = await response.json()
        if "problem" in answer:
            problem = answer["problem"]
            raise Refused(CODES.get(problem["code"], problem["code"]), problem["detail"])
        return answer

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.loop.run(self._post(path, body), what=f"POST {path}")

    async def _get(self, path: str) -> dict[str, Any]:
        assert self.http is not None
        async with self.http.get(f"{self.base_url}{path}") as response:
            answer: dict[str, Any] = await response.json()
        return answer

    def get(self, path: str) -> dict[str, Any]:
        return self.loop.run(self._get(path), what=f"GET {path}")


class RingalongDevice(Device):
    def __init__(self, api: Ringalong, uid: str, on_event: EventSink, faulty: bool) -> None:
        self.api, self.uid, self.on_event, self.faulty = api, uid, on_event, faulty
        self.device = str(api.post("/v1/devices", {"user": uid})["device"])
        self.wire_id = self.device
        self.listeners: list[str] = []
        self.active: CallInfo | None = None
        self.received = 0
        self.seen = threading.Condition()
        self.task = api.loop.run(self._start_reading(), what="opening the event stream")

    async def _start_reading(self) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.api.http is not None
        url = f"{self.api.base_url}/v1/devices/{self.device}/events"
        async with self.api.http.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
            what, data = "", ""
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    what = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = line.removeprefix("data: ")
                elif line == "" and what:
                    self._heard(what, json.loads(data))
                    what, data = "", ""

    def _heard(self, what: str, ring: dict[str, str]) -> None:
        call = call_info(ring)
        mine = call.initiator == self.uid
        if what == "ringing":
            callback = Callback.INCOMING_CALL_RECEIVED
        elif what == "answered":
            callback = Callback.OUTGOING_CALL_ACCEPTED if mine else Callback.INCOMING_CALL_CANCELLED
        elif what in ("declined", "busy"):
            callback = Callback.OUTGOING_CALL_REJECTED
            if self.faulty and what == "busy":
                call = CallInfo(**{**call.__dict__, "status": CallStatus.REJECTED})
        elif what == "missed":
            callback = Callback.OUTGOING_CALL_REJECTED if mine else Callback.INCOMING_CALL_CANCELLED
        elif what == "withdrawn":
            callback = Callback.INCOMING_CALL_CANCELLED
        else:
            callback = Callback.CALL_ENDED_MESSAGE_RECEIVED
        if call.status not in (CallStatus.INITIATED, CallStatus.ONGOING) and self._is_active(call):
            self.active = None
        for listener in list(self.listeners):
            self.on_event(ListenerEvent(listener, callback, call))
        with self.seen:
            self.received += 1
            self.seen.notify_all()

    def _is_active(self, call: CallInfo) -> bool:
        return self.active is not None and self.active.session_id == call.session_id

    def _ring(self, session_id: str, action: str) -> CallInfo:
        call = call_info(self.api.post(f"/v1/rings/{session_id}/{action}", {"device": self.device})["ring"])
        return call

    def initiate_call(
        self, receiver_id: str, receiver_type: ReceiverType, call_type: CallType, timeout: float | None = None
    ) -> CallInfo:
        if receiver_type is ReceiverType.GROUP:
            raise Refused("ERR_GUID_NOT_FOUND", "ringalong rings people, not groups")
        if self.active is not None:
            raise Refused("CALL_ALREADY_INITIATED", f"this device already has a call ({self.active.session_id})")
        seconds = DEFAULT_RING_SECONDS if timeout is None or timeout <= 0 else timeout
        body = {"device": self.device, "to": receiver_id, "media": str(call_type), "ring_seconds": seconds}
        call = call_info(self.api.post("/v1/rings", body)["ring"])
        self.active = call
        return call

    def accept_call(self, session_id: str) -> CallInfo:
        if self.active is not None and self.active.session_id != session_id:
            raise Refused("CALL_IN_PROGRESS", f"this device is already in a call ({self.active.session_id})")
        call = self._ring(session_id, "answer")
        self.active = call
        return call

    def reject_call(self, session_id: str, status: CallStatus) -> CallInfo:
        action = {CallStatus.REJECTED: "decline", CallStatus.BUSY: "busy", CallStatus.CANCELLED: "withdraw"}
        if status not in action:
            raise Refused("ERR_BAD_STATUS", f"rejectCall takes rejected, busy or cancelled, not {status}")
        call = self._ring(session_id, action[status])
        if self._is_active(call):
            self.active = None
        return call

    def end_call(self, session_id: str) -> CallInfo | None:
        call = self._ring(session_id, "hangup")
        if self._is_active(call):
            self.active = None
        return call

    def get_active_call(self) -> CallInfo | None:
        return self.active

    def clear_active_call(self) -> None:
        self.active = None

    def add_call_listener(self, listener_id: str) -> None:
        if listener_id not in self.listeners:
            self.listeners.append(listener_id)

    def remove_call_listener(self, listener_id: str) -> None:
        if listener_id in self.listeners:
            self.listeners.remove(listener_id)

    def settle(self) -> None:
        """ringalong says how many events it queued for this device; wait until all have arrived."""
        queued = int(self.api.get(f"/v1/devices/{self.device}/position")["position"])
        with self.seen:
            if not self.seen.wait_for(lambda: self.received >= queued, timeout=SETTLE_SECONDS):
                raise TimeoutError(f"{self.uid}'s device heard {self.received} of {queued} events")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.api.loop.run(self._close(), what="closing a device")

    async def _close(self) -> None:
        self.task.cancel()
        assert self.api.http is not None
        async with self.api.http.delete(f"{self.api.base_url}/v1/devices/{self.device}"):
            pass


class RingalongImplementation(Implementation):
    capabilities = Capabilities(time_control=True, devices_per_user=1, group_calls=False, reset=True)

    def __init__(self, settings: Settings, faulty: bool = False) -> None:
        self.name = "ringalong" + (" (faulty)" if faulty else "")
        self.faulty = faulty
        self.loop = LoopThread("ringalong")
        self.runner: web.AppRunner | None = None
        base_url = settings.server
        if settings.server == "embedded":
            base_url = self.loop.run(self._serve(), what="starting ringalong")
        self.api = Ringalong(self.loop, base_url)
        self.devices: list[RingalongDevice] = []

    async def _serve(self) -> str:
        self.runner = web.AppRunner(make_app())
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        device = RingalongDevice(self.api, uid, on_event, self.faulty)
        self.devices.append(device)
        return device

    def advance_time(self, seconds: float) -> None:
        self.api.post("/test/advance", {"seconds": seconds})

    def reset(self) -> None:
        for device in self.devices:
            device.close()
        self.devices.clear()
        self.api.post("/test/reset", {})

    def transcript(self) -> Sequence[str]:
        return ()

    def describe(self) -> dict[str, str]:
        return {"implementation": self.name, "server": self.api.base_url}

    def close(self) -> None:
        try:
            self.reset()
            self.loop.run(self._shutdown(), what="stopping ringalong")
        finally:
            self.loop.close()

    async def _shutdown(self) -> None:
        if self.api.http is not None:
            await self.api.http.close()
        if self.runner is not None:
            await self.runner.cleanup()


def make_implementation(settings: Settings) -> Implementation:
    return RingalongImplementation(settings)


def make_faulty_implementation(settings: Settings) -> Implementation:
    return RingalongImplementation(settings, faulty=True)
