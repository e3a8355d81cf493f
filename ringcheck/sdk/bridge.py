"""The Python end of the JSON-lines bridge to one Node process running the CometChat SDK.

Why a process per device: the SDK is a process-wide singleton (static ``CometChat``,
``CallController``, socket helper), so two users cannot share one Node runtime. The protocol
(see ``sdkbridge/device.js``) is one JSON object per line both ways: requests carry an ``id``,
responses echo it, and asynchronous events (listener callbacks, unhandled rejections, traces)
are lines without one. Responses and events share one ordered stream, which is what makes
``settle()`` meaningful: an event the SDK reported before answering a request is delivered to
the sink before that request returns.

Nothing here may hang the suite: every request has a deadline, a process that exits fails every
request waiting on it with its exit code and the tail of its stderr, and the SDK's own traps
(operations whose promise never settles) come back as :class:`SdkStuck`.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..adapter import Refused

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]
EventHandler = Callable[[JsonObject], None]

STDERR_TAIL_LINES = 40


class BridgeError(Exception):
    """The bridge or the Node process failed; not a refusal by the SDK."""


class BridgeTimeout(BridgeError, TimeoutError):
    """A request got no answer within its deadline."""


class BridgeDied(BridgeError):
    """The Node process exited (or could not start)."""


class SdkStuck(BridgeError):
    """The SDK operation can never settle (a known SDK 4.2.0 trap); the bridge stopped waiting."""


@dataclass(frozen=True)
class ReadyInfo:
    """What the device program reported once the SDK was loaded and initialised."""

    pid: int
    node: str
    sdk_version: str
    sdk_file: str
    code_cache: bool
    startup_ms: float
    """From the start of device.js to the end of ``CometChat.init`` (excludes Node's own boot)."""
    spawn_to_ready_ms: float
    """From ``Popen`` to the ready line, as Python saw it."""


@dataclass(frozen=True)
class HiddenRefusal:
    """A REST refusal that happened inside an SDK operation which nevertheless resolved."""

    request: str
    code: str
    message: str


@dataclass(frozen=True)
class Answer:
    result: Any
    hidden_refusals: tuple[HiddenRefusal, ...] = ()


@dataclass
class PendingRequest:
    """A request on its way: wait for it with :meth:`NodeBridge.wait`."""

    request_id: int
    description: str
    future: concurrent.futures.Future[Any]


class NodeBridge:
    """One Node process running ``sdkbridge/device.js``; thread-safe."""

    def __init__(
        self,
        label: str,
        bridge_dir: Path,
        config: Mapping[str, Any],
        *,
        node: str = "node",
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.label = label
        self._lock = threading.Lock()
        self._next_id = 1
        self._pending: dict[int, tuple[concurrent.futures.Future[Any], str]] = {}
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._handler: EventHandler | None = None
        self._early_events: list[JsonObject] = []
        self._ready: concurrent.futures.Future[ReadyInfo] = concurrent.futures.Future()
        self._exit_code: int | None = None
        self._dead = threading.Event()
        self.problems: list[str] = []
        """Unhandled rejections, uncaught exceptions and notes the SDK's process reported."""
        self._spawned = time.perf_counter()
        child_env = dict(os.environ if env is None else env)
        child_env["RINGCHECK_DEVICE_CONFIG"] = json.dumps(dict(config))
        try:
            self._proc = subprocess.Popen(
                [node, str(bridge_dir / "device.js")],
                cwd=str(bridge_dir),
                env=child_env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        except OSError as exc:
            raise BridgeDied(f"{label}: cannot start {node} {bridge_dir / 'device.js'}: {exc}") from exc
        self.pid = self._proc.pid
        self._reader = threading.Thread(target=self._read_stdout, name=f"sdk-bridge-out-{self.pid}", daemon=True)
        self._err_reader = threading.Thread(target=self._read_stderr, name=f"sdk-bridge-err-{self.pid}", daemon=True)
        self._reader.start()
        self._err_reader.start()

    # ---- lifecycle ---------------------------------------------------------------------

    def wait_ready(self, timeout: float) -> ReadyInfo:
        """Block until the SDK is loaded and initialised in the child."""
        try:
            return self._ready.result(timeout)
        except concurrent.futures.TimeoutError:
            raise BridgeTimeout(
                f"{self.label}: the Node process (pid {self.pid}) did not load and initialise the SDK "
                f"within {timeout:g} s{self._stderr_suffix()}"
            ) from None

    @property
    def alive(self) -> bool:
        return not self._dead.is_set()

    def set_event_handler(self, handler: EventHandler | None, label: str | None = None) -> None:
        """Route events to ``handler`` (events that arrived before it was set are replayed first)."""
        with self._lock:
            if label is not None:
                self.label = label
            self._handler = handler
            early, self._early_events = self._early_events, []
        if handler is not None:
            for event in early:
                handler(event)

    def close(self, timeout: float = 2.0, wait: bool = True) -> None:
        """Ask the process to exit; kill it if it has not within ``timeout``.

        With ``wait=False`` the exit is left to the reader thread (and a kill timer), which saves
        a scenario the few milliseconds Node takes to exit.
        """
        if self.alive:
            with contextlib.suppress(BridgeError):
                self.send_nowait("exit", {})
        if not wait:
            killer = threading.Timer(timeout, self._kill_if_running)
            killer.daemon = True
            killer.start()
            return
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout)
        self._reader.join(timeout)

    def _kill_if_running(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()

    def kill(self) -> None:
        """End the process at once (tests use it to check that a dead device is reported)."""
        self._proc.kill()

    # ---- requests ----------------------------------------------------------------------

    def send_nowait(self, op: str, args: Mapping[str, Any], what: str | None = None) -> PendingRequest:
        """Send a request without waiting for its answer."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        description = what or op
        with self._lock:
            if self._dead.is_set():
                raise self._died_error(description)
            request_id = self._next_id
            self._next_id += 1
            self._pending[request_id] = (future, description)
            line = json.dumps({"id": request_id, "op": op, "args": dict(args)}) + "\n"
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(line)
                self._proc.stdin.flush()
            except (OSError, ValueError):
                del self._pending[request_id]
                # The reader thread will notice the exit; say so now rather than later.
                self._proc.poll()
                raise self._died_error(description) from None
        return PendingRequest(request_id, description, future)

    def wait(self, pending: PendingRequest, timeout: float) -> Any:
        """The result of a request sent with :meth:`send_nowait`, or its error, within ``timeout``."""
        return self.wait_answer(pending, timeout).result

    def wait_answer(self, pending: PendingRequest, timeout: float) -> Answer:
        """Like :meth:`wait`, with what else the device program said about the operation."""
        try:
            answer: Answer = pending.future.result(timeout)
            return answer
        except concurrent.futures.TimeoutError:
            with self._lock:
                self._pending.pop(pending.request_id, None)
            if pending.future.done():  # answered between the deadline and the line above
                late: Answer = pending.future.result()
                return late
            raise BridgeTimeout(
                f"{self.label}: {pending.description} did not settle within {timeout:g} s{self._context_suffix()}"
            ) from None

    def request(self, op: str, args: Mapping[str, Any], timeout: float, what: str | None = None) -> Any:
        return self.wait(self.send_nowait(op, args, what), timeout)

    # ---- reading -----------------------------------------------------------------------

    def _read_stdout(self) -> None:
        assert self._proc.stdout is not None
        try:
            for raw in self._proc.stdout:
                line = raw.strip()
                if not line:
                    continue
                try:
                    message = json.loads(line)
                except ValueError:
                    self._note(f"unreadable line from the SDK process: {line[:300]}")
                    continue
                if not isinstance(message, dict):
                    continue
                if "id" in message:
                    self._on_response(message)
                else:
                    self._on_event(message)
        except (OSError, ValueError):
            pass
        finally:
            self._on_exit()

    def _read_stderr(self) -> None:
        assert self._proc.stderr is not None
        try:
            for line in self._proc.stderr:
                self._stderr.append(line.rstrip("\n"))
        except (OSError, ValueError):
            pass

    def _on_response(self, message: JsonObject) -> None:
        request_id = message.get("id")
        with self._lock:
            entry = self._pending.pop(request_id, None) if isinstance(request_id, int) else None
        if entry is None:
            # Its deadline passed; the SDK settled late. Worth knowing, never worth failing on.
            self._note(f"late answer to request {request_id}: {json.dumps(message)[:300]}")
            return
        future, description = entry
        if message.get("ok"):
            hidden = tuple(
                HiddenRefusal(str(h.get("request")), str(h.get("code")), str(h.get("message") or ""))
                for h in message.get("hiddenRefusals") or ()
                if isinstance(h, dict)
            )
            future.set_result(Answer(message.get("result"), hidden))
        else:
            future.set_exception(self._error_of(description, message.get("error") or {}))

    def _error_of(self, description: str, error: JsonObject) -> Exception:
        kind = error.get("kind")
        message = str(error.get("message") or "")
        if kind == "refused" and error.get("code"):
            return Refused(str(error["code"]), message)
        if kind == "stuck":
            return SdkStuck(f"{self.label}: {description}: {message}")
        stack = error.get("stack")
        detail = f"\n{stack}" if isinstance(stack, str) and stack else ""
        return BridgeError(f"{self.label}: {description} failed: {message}{detail}")

    def _on_event(self, event: JsonObject) -> None:
        kind = event.get("event")
        if kind == "ready":
            info = ReadyInfo(
                pid=int(event.get("pid") or self.pid),
                node=str(event.get("node")),
                sdk_version=str(event.get("sdkVersion")),
                sdk_file=str(event.get("sdkFile")),
                code_cache=bool(event.get("codeCache")),
                startup_ms=float(event.get("startupMs") or 0.0),
                spawn_to_ready_ms=(time.perf_counter() - self._spawned) * 1000,
            )
            if not self._ready.done():
                self._ready.set_result(info)
            return
        if kind in ("unhandledRejection", "uncaughtException", "fatal"):
            self._note(f"{kind}: {event.get('message')}")
        elif kind == "note":
            self._note(f"note: {event.get('message')}", level=logging.INFO)
        with self._lock:
            handler = self._handler
            if handler is None:
                self._early_events.append(event)
                return
        try:
            handler(event)
        except Exception:  # a broken sink must not kill the reader
            log.exception("%s: event handler failed for %s", self.label, event)

    def _note(self, text: str, level: int = logging.WARNING) -> None:
        self.problems.append(text)
        log.log(level, "%s: %s", self.label, text)

    def _on_exit(self) -> None:
        try:
            self._exit_code = self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._exit_code = None
        self._err_reader.join(2)
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with self._lock:
            self._dead.set()
            pending = list(self._pending.values())
            self._pending.clear()
        for future, description in pending:
            future.set_exception(self._died_error(description))
        if not self._ready.done():
            self._ready.set_exception(self._died_error("starting the SDK"))

    # ---- messages ----------------------------------------------------------------------

    def _died_error(self, description: str) -> BridgeDied:
        code = self._proc.returncode if self._exit_code is None else self._exit_code
        how = "is exiting" if code is None else f"exited with code {code}"
        return BridgeDied(
            f"{self.label}: the Node process (pid {self.pid}) {how} while waiting for {description}"
            f"{self._stderr_suffix()}"
        )

    def _stderr_suffix(self) -> str:
        tail = list(self._stderr)
        return "; stderr tail:\n  " + "\n  ".join(tail) if tail else "; stderr was empty"

    def _context_suffix(self) -> str:
        recent = self.problems[-3:]
        return "; meanwhile the SDK process reported: " + " | ".join(recent) if recent else ""
