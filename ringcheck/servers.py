"""The server side of a run: the embedded mock server, or a server already running elsewhere.

Adapters talk to a server through a :class:`ServerHandle`: where it is (an
:class:`~ringcheck.wire.session.Endpoint`), and, where the server offers them, the steering
operations the suite uses between scenarios (reset, moving its clock, reading its journal).
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from mockserver import MockServer, ServerConfig, VirtualClock
from mockserver.config import OnReconnect
from mockserver.errors import Refusal

from .adapter import Device, EventSink, Implementation, WireEntry
from .faults import Fault, FaultControl, FaultRefused
from .loopthread import LoopThread
from .wire.session import Endpoint


class SteeringRefused(RuntimeError):
    """The steering API answered with an error instead of data."""


JournalEntry = dict[str, Any]
"""One entry of the mock server's journal as its steering API gives it: seq, kind, summary, data."""


def describe_entry(entry: JournalEntry) -> str:
    return f"#{entry['seq']} {entry['kind']}: {entry['summary']}"


def _short(session_id: str) -> str:
    return session_id.rsplit(".", 1)[-1]


def wire_entries(journal: Sequence[JournalEntry]) -> list[WireEntry]:
    """The call traffic of a journal, for the sequence diagram: requests on ``/calls`` and their
    answers, the frames sent, the server's timers. Logins and connections are left to the text
    transcript; they would bury the call in every diagram."""
    found: list[WireEntry] = []
    asked: dict[str, bool] = {}
    """Per device: whether its latest request was about calls (its answer is then shown)."""
    for entry in journal:
        kind, data = entry["kind"], entry.get("data") or {}
        device = data.get("device") or None
        if kind == "request":
            path = str(data.get("path", ""))
            about_calls = "/calls" in path
            asked[str(device)] = about_calls
            if about_calls:
                body = data.get("body") if isinstance(data.get("body"), dict) else {}
                status = body.get("status") if body else None
                target = path.split("/calls", 1)[1].strip("/")
                text = f"{data.get('method')} /calls{'/…' + _short(target) if target else ''}"
                found.append(WireEntry("request", device, f"{text} {status or ''}".strip()))
        elif kind == "response" and asked.pop(str(device), False):
            code = data.get("code")
            refused = int(data.get("status", 200)) >= 400
            found.append(WireEntry("response", device, f"{data.get('status')} {code or 'OK'}", refused=refused))
        elif kind == "frame":
            session, status = str(data.get("sessionId", "")), str(data.get("status", ""))
            found.append(WireEntry("frame", device, f"{status} …{_short(session)}", session_id=session, status=status))
        elif kind == "timer":
            found.append(WireEntry("timer", None, str(entry["summary"])))
        elif kind == "fault":
            # "fault fault-1: dropped the cancelled event for bob (dev-2)": the words after the id.
            words = str(entry["summary"]).split(": ", 1)[-1]
            found.append(WireEntry("fault", device, f"⚡ {words}", status=data.get("status")))
    return found


PROBE_SECONDS = 5.0


class ServerUnreachable(RuntimeError):
    """The server named by the settings does not answer; the message says what to change."""


class ServerHandle(abc.ABC):
    endpoint: Endpoint
    ca_file: Path | None = None
    steerable: bool = False
    """reset, advance and journal do something (the embedded server, or a remote one with --admin)."""
    shares_clock: VirtualClock | None = None
    """A clock the client side may share with the server (only the embedded server offers one)."""

    async def start(self) -> None:
        """Called once on the suite's loop before anything else."""

    async def reset(self) -> None:
        """Back to the seed between scenarios, where the server can."""

    async def advance(self, seconds: float) -> None:
        """Move the server's clock, where it has one the suite controls."""

    async def journal(self) -> Sequence[JournalEntry]:
        """What the server saw since the last reset, where it says (connections left out)."""
        return ()

    async def add_fault(self, rule: dict[str, Any]) -> dict[str, Any]:
        """Set a fault rule (docs/faults.md); the rule as the server holds it, with its id."""
        raise NotImplementedError("this server offers no fault control")

    async def remove_fault(self, fault_id: str) -> None:
        raise NotImplementedError("this server offers no fault control")

    async def faults(self) -> list[dict[str, Any]]:
        raise NotImplementedError("this server offers no fault control")

    async def close(self) -> None: ...

    def describe(self) -> dict[str, str]:
        return {"server": self.endpoint.base_url}


class EmbeddedServer(ServerHandle):
    """The bundled mock server, in-process on a free loopback port, on a virtual clock."""

    steerable = True

    def __init__(self, tls: bool = False, on_reconnect: OnReconnect = "nothing") -> None:
        self.server = MockServer(ServerConfig(admin=True, tls=tls, on_reconnect=on_reconnect))
        assert isinstance(self.server.clock, VirtualClock)
        self.shares_clock = self.server.clock
        self._since = 0

    async def start(self) -> None:
        await self.server.start()
        tls = self.server.tls
        self.ca_file = tls.ca_file if tls else None
        self.endpoint = Endpoint(
            self.server.base_url,
            self.server.config.app_id,
            self.server.config.api_key,
            tls.client_context() if tls else None,
        )

    async def reset(self) -> None:
        await self.server.reset()
        self._since = self.server.state.journal.next_seq

    async def advance(self, seconds: float) -> None:
        # The clients share this clock, so the suite advances it once, through the adapter.
        pass

    async def journal(self) -> Sequence[JournalEntry]:
        return [e.as_json() for e in self.server.state.journal.since(self._since) if e.kind != "connection"]

    async def add_fault(self, rule: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.server.state.add_fault(rule).as_json()
        except Refusal as refusal:
            raise FaultRefused(f"the server refused the fault rule {rule}: {refusal}") from refusal

    async def remove_fault(self, fault_id: str) -> None:
        try:
            await self.server.state.calls.remove_fault(fault_id)
        except Refusal as refusal:
            raise FaultRefused(f"the server refused to remove fault rule {fault_id}: {refusal}") from refusal

    async def faults(self) -> list[dict[str, Any]]:
        return [rule.as_json() for rule in self.server.state.calls.faults.rules()]

    async def close(self) -> None:
        await self.server.stop()

    def describe(self) -> dict[str, str]:
        return {"server": f"embedded mock server ({self.server.base_url})"}


class RemoteServer(ServerHandle):
    """A server at a URL; steered through its ``/_admin/`` API when ``admin`` is set."""

    def __init__(self, endpoint: Endpoint, admin: bool, ca_file: Path | None = None) -> None:
        self.endpoint = endpoint
        self.steerable = admin
        self.ca_file = ca_file
        self._http: aiohttp.ClientSession | None = None
        self._since = 0

    async def start(self) -> None:
        self._http = aiohttp.ClientSession()
        await self._probe()

    async def _probe(self) -> None:
        """Any HTTP answer will do: a server nobody listens on fails the run once, here, with the fix."""
        assert self._http is not None
        url = self.endpoint.base_url
        try:
            async with self._http.get(
                url, ssl=self.endpoint.ssl_context or True, timeout=aiohttp.ClientTimeout(total=PROBE_SECONDS)
            ):
                pass
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            await self._http.close()
            raise ServerUnreachable(
                f"nothing answers at {url} ({type(exc).__name__}: {exc or 'no answer'} within {PROBE_SECONDS:g} s): "
                "start your server there, or point --ringcheck-server at it ('embedded' runs the bundled mock)"
            ) from exc

    async def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        assert self._http is not None
        url = f"{self.endpoint.base_url.rstrip('/')}/_admin/{path}"
        async with self._http.request(
            method, url, json=body, headers={"apiKey": self.endpoint.api_key}, ssl=self.endpoint.ssl_context or True
        ) as response:
            answer = await response.json(content_type=None)
        if not isinstance(answer, dict) or "data" not in answer:
            raise SteeringRefused(f"the server's steering API refused {method} {path}: {answer}")
        return answer["data"]

    async def reset(self) -> None:
        if self.steerable:
            self._since = (await self._admin("POST", "reset"))["journalNext"]

    async def advance(self, seconds: float) -> None:
        if self.steerable:
            await self._admin("POST", "clock/advance", {"seconds": seconds})

    async def journal(self) -> Sequence[JournalEntry]:
        if not self.steerable:
            return ()
        data = await self._admin("GET", f"journal?since={self._since}")
        return [e for e in data["entries"] if e["kind"] != "connection"]

    async def add_fault(self, rule: dict[str, Any]) -> dict[str, Any]:
        try:
            return dict(await self._admin("POST", "faults", rule))
        except SteeringRefused as refused:
            raise FaultRefused(f"the server refused the fault rule {rule}: {refused}") from refused

    async def remove_fault(self, fault_id: str) -> None:
        try:
            await self._admin("DELETE", f"faults/{fault_id}")
        except SteeringRefused as refused:
            raise FaultRefused(f"the server refused to remove fault rule {fault_id}: {refused}") from refused

    async def faults(self) -> list[dict[str, Any]]:
        return list(await self._admin("GET", "faults"))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()


class ServerFaultControl(FaultControl):
    """Fault rules of a server handle, for the synchronous steps: each call runs on the suite's loop."""

    def __init__(self, server: ServerHandle, loop: LoopThread) -> None:
        self.server = server
        self._loop = loop

    def add(self, fault: Fault) -> str:
        rule = self._loop.run(self.server.add_fault(fault.to_json()), what=f"setting the fault rule {fault}")
        return str(rule["id"])

    def remove(self, fault_id: str) -> None:
        self._loop.run(self.server.remove_fault(fault_id), what=f"removing the fault rule {fault_id}")

    def rules(self) -> list[dict[str, Any]]:
        return self._loop.run(self.server.faults(), what="reading the fault rules")


class OnServer(Implementation):
    """A built-in adapter whose devices talk to a server the suite knows: between scenarios the
    server is reset, and the report's transcript is the server's journal with every device called
    by its scenario name ("Bob's laptop"), where the server keeps one."""

    def __init__(self, inner: Implementation, server: ServerHandle, loop: LoopThread) -> None:
        self.inner = inner
        self.server = server
        self._loop = loop
        self.name = inner.name
        self.capabilities = dataclasses.replace(
            inner.capabilities, reset=server.steerable, fault_control=server.steerable
        )
        self._labels: dict[str, str] = {}

    def open_device(self, uid: str, label: str, on_event: EventSink) -> Device:
        device = self.inner.open_device(uid, label, on_event)
        if device.wire_id:
            self._labels[device.wire_id] = label
        return device

    def advance_time(self, seconds: float) -> None:
        self.inner.advance_time(seconds)

    def reset(self) -> None:
        self.inner.reset()
        self._labels.clear()
        self._loop.run(self.server.reset(), what="resetting the server")

    def faults(self) -> FaultControl:
        if not self.server.steerable:
            raise NotImplementedError(f"{self.server.describe()['server']} has no steering API for faults")
        return ServerFaultControl(self.server, self._loop)

    def _journal(self) -> Sequence[JournalEntry]:
        return self._loop.run(self.server.journal(), what="reading the server's journal")

    def _named(self, text: str) -> str:
        for wire_id, label in self._labels.items():
            text = text.replace(wire_id, label)
        return text

    def transcript(self) -> Sequence[str]:
        lines = [*(describe_entry(e) for e in self._journal()), *self.inner.transcript()]
        return [self._named(line) for line in lines]

    def wire_log(self) -> Sequence[WireEntry]:
        return [
            dataclasses.replace(
                entry,
                device=self._labels.get(entry.device or "", entry.device),
                text=self._named(entry.text) if entry.kind == "fault" else entry.text,
            )
            for entry in wire_entries(self._journal())
        ]

    def describe(self) -> dict[str, str]:
        return {**self.inner.describe(), **self.server.describe()}

    def close(self) -> None:
        self.inner.close()
