"""Break the implementation on purpose and check that the scenario naming that behaviour fails.

A conformance suite is only worth its failures. Each mutant below changes one behaviour of the
mock server or of the reference client (a one-line edit in a scratch copy of the repository),
runs the whole suite against it, and checks that the scenarios named for that behaviour fail.
A mutant that no scenario notices, or that only unrelated scenarios notice, is reported.

Usage: python tools/mutants.py [NAME ...]     (exit status 1 if any mutant survives)
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ["conftest.py", "pyproject.toml", "features", "steps", "ringcheck", "mockserver"]


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    must_fail: tuple[str, ...]
    """pytest-bdd test names (prefixes) of scenarios that must fail when the mutant is applied."""
    says: str = ""
    """Words the failures must contain, where the mutant exists to prove one particular check."""


MUTANTS = [
    Mutant(
        "accept is not announced to the caller",
        "mockserver/calls.py",
        "audiences = (self._caller_side(call), *audiences)",
        "audiences = audiences",
        ("test_bob_accepts_",),
    ),
    Mutant(
        "the receiver's other devices are not told of an answer",
        "mockserver/calls.py",
        "audiences: tuple[Audience, ...] = (AllDevices(actor.uid),)",
        "audiences: tuple[Audience, ...] = ()",
        ("test_answering_on_the_phone_stops_the_laptop_ringing",),
    ),
    Mutant(
        "a rejection is not announced",
        "mockserver/calls.py",
        "return self._outcome(updated, actor.device, (self._caller_side(call), AllDevices(actor.uid)))",
        "return self._outcome(updated, actor.device, ())",
        ("test_bob_rejects_", "test_bob_answers_"),
    ),
    Mutant(
        "a cancelled call keeps ringing",
        "mockserver/calls.py",
        "audiences = (self._caller_side(call), *(AllDevices(m) for m in ringing))",
        "audiences = (self._caller_side(call),)",
        ("test_alex_cancels_", "test_cancelling_a_group_call"),
    ),
    Mutant(
        "an ended call is not announced",
        "mockserver/calls.py",
        "audiences = (self._caller_side(call), *(OneDevice(uid, device) for uid, device in joined))",
        "audiences = ()",
        ("test_who_ends_the_call", "test_when_a_participant_ends_the_group_call"),
    ),
    Mutant(
        "a terminated call can be answered again",
        "mockserver/calls.py",
        "if call.status.terminal:",
        "if False:",
        ("test_a_cancelled_call_cannot_be_accepted_any_more",),
    ),
    Mutant(
        "anyone may answer a call",
        "mockserver/calls.py",
        "if not call.is_party(actor.uid):",
        "if False:",
        ("test_someone_else_cannot_answer_a_call_meant_for_bob", "test_someone_outside_the_group"),
    ),
    Mutant(
        "users may call themselves",
        "mockserver/calls.py",
        "if receiver_id == caller.uid:",
        "if False:",
        ("test_nobody_can_call_themselves",),
    ),
    Mutant(
        "busy is accepted for group calls",
        "mockserver/calls.py",
        "if call.receiver_type is ReceiverType.GROUP and status is Status.BUSY:",
        "if False:",
        ("test_busy_is_not_an_answer_to_a_group_call",),
    ),
    Mutant(
        "one member's rejection ends a group call",
        "mockserver/calls.py",
        "everyone_declined = not answered.ringing_members() and not answered.joined_members()",
        "everyone_declined = True",
        ("test_one_member_rejecting_does_not_stop_the_call_for_the_others",),
    ),
    Mutant(
        "the caller's other devices ring",
        "mockserver/calls.py",
        "return self._outcome(call, caller.device, tuple(AllDevices(m) for m in members))",
        "return self._outcome(call, caller.device, (AllDevices(caller.uid), *(AllDevices(m) for m in members)))",
        ("test_the_callers_other_devices_do_not_ring",),
    ),
    Mutant(
        "an ongoing call can be cancelled",
        "mockserver/calls.py",
        "if call.status is Status.ONGOING:\n            raise Refusal(\n"
        "                ErrorCode.CALL_ONGOING_TO_INVALID,",
        "if False:\n            raise Refusal(\n                ErrorCode.CALL_ONGOING_TO_INVALID,",
        ("test_an_accepted_call_cannot_be_cancelled_any_more", "test_an_accepted_call_cannot_be_rejected_any_more"),
    ),
    Mutant(
        "a member's rejection rings their other devices again",
        "mockserver/calls.py",
        "return self._outcome(answered, actor.device, (AllDevices(actor.uid),), told_as=Status.REJECTED)",
        "return self._outcome(answered, actor.device, (AllDevices(actor.uid),))",
        ("test_a_members_other_device_is_not_rung_again_after_they_reject_on_one",),
    ),
    Mutant(
        "every call is delivered as an audio call",
        "mockserver/wire.py",
        '"category": "call",\n        "type": call_type,',
        '"category": "call",\n        "type": "audio",',
        ("test_bob_accepts_a_call_from_alex[a video call]", "test_the_call_becomes_bobs_active_call"),
    ),
    Mutant(
        "the caller is named as the one who answered",
        "mockserver/calls.py",
        "            sender=actor.uid,\n            ended_at=ended_at,",
        "            sender=call.sender,\n            ended_at=ended_at,",
        ("test_bob_accepts_a_call_from_alex", "test_bob_rejects_a_call_from_alex"),
    ),
    Mutant(
        "the default ring timeout is 44 seconds",
        "ringcheck/wire/device.py",
        "DEFAULT_TIMEOUT = 45",
        "DEFAULT_TIMEOUT = 44",
        ("test_nothing_happens_a_moment_before_the_45_seconds_are_up",),
    ),
    Mutant(
        "a custom timeout is ignored",
        "ringcheck/wire/device.py",
        "    seconds = math.floor(timeout)",
        "    seconds = DEFAULT_TIMEOUT",
        ("test_alex_chooses_a_longer_timeout", "test_alex_chooses_a_shorter_timeout"),
    ),
    Mutant(
        "a timeout is not floored to whole seconds",
        "ringcheck/wire/device.py",
        "    seconds = math.floor(timeout)",
        "    seconds = timeout  # type: ignore[assignment]",
        ("test_a_timeout_of_timeout_seconds_is_counted_in_whole_seconds",),
    ),
    Mutant(
        "an accepted call still times out",
        "ringcheck/wire/device.py",
        "            if self._is_active(call.session_id):\n                self._stop_timer()",
        "            pass",
        ("test_an_accepted_call_never_times_out_later",),
    ),
    Mutant(
        "registering a listener id twice adds a second listener",
        "ringcheck/wire/device.py",
        "        self._listeners[listener_id] = None",
        "        self._listeners[f'{listener_id}#{len(self._listeners)}'] = None",
        ("test_registering_a_listener_id_again",),
    ),
    Mutant(
        "removing a listener does nothing",
        "ringcheck/wire/device.py",
        "        self._listeners.pop(listener_id, None)",
        "        pass",
        ("test_a_removed_listener_hears_nothing_more",),
    ),
    Mutant(
        "a second call can start while one is active",
        "ringcheck/wire/device.py",
        "        if self._active is not None:\n            raise Refused(CALL_ALREADY_INITIATED",
        "        if False:\n            raise Refused(CALL_ALREADY_INITIATED",
        ("test_alex_cannot_start_a_second_call_while_his_first_one_is_ringing",),
    ),
    Mutant(
        "the busy answer is delivered as a rejection",
        "mockserver/service.py",
        "outcome = self.book.check_update(session_id, actor, status, self.clock.now())",
        "outcome = self.book.check_update(session_id, actor, Status.REJECTED if status is Status.BUSY else status, "
        "self.clock.now())",
        ("test_bob_answers_",),
    ),
    Mutant(
        "a user's second device hears the ring only after the next event",
        "mockserver/service.py",
        "            written.append(self.hub.post(recipient, text))\n",
        """            held = self.__dict__.setdefault("_held", {})
            if status == "initiated" and recipient.device != self.hub.devices_of(recipient.uid)[0]:
                held[recipient] = text
                continue
            written.append(self.hub.post(recipient, text))
            if recipient in held:
                written.append(self.hub.post(recipient, held.pop(recipient)))
""",
        ("test_answering_on_the_phone_stops_the_laptop_ringing",),
        says="out of order",
    ),
    Mutant(
        "a cancel or a no-answer reaches only the first device it is meant for",
        "mockserver/service.py",
        "for recipient in self.hub.resolve(outcome.audiences, outcome.origin):",
        "for recipient in self.hub.resolve(outcome.audiences, outcome.origin)"
        "[: 1 if outcome.view.status in (Status.CANCELLED, Status.UNANSWERED) else None]:",
        (
            "test_cancelling_stops_the_call_ringing_on_every_device_bob_is_signed_in_on",
            "test_a_call_nobody_answers_stops_ringing_on_every_device_bob_is_signed_in_on",
        ),
    ),
    Mutant(
        "a group call's ring (not the caller's answer) says it is a call to a user",
        "mockserver/service.py",
        "frame_json = wire.encoded_frame(self.app_id, outcome.origin, message, message_json)",
        "frame_json = wire.encoded_frame(self.app_id, outcome.origin, message, message_json.replace("
        'b\'"receiverType":"group"\', b\'"receiverType":"user"\') if outcome.view.status is Status.INITIATED '
        "else message_json)",
        ("test_the_ring_says_it_is_a_call_to_the_team_group",),
    ),
    Mutant(
        "the news of a cancel, a no-answer or an end names the other kind of call",
        "mockserver/service.py",
        "frame_json = wire.encoded_frame(self.app_id, outcome.origin, message, message_json)",
        "frame_json = wire.encoded_frame(self.app_id, outcome.origin, message, message_json.replace("
        'b\'"type":"audio"\', b\'"type":"@"\').replace(b\'"type":"video"\', b\'"type":"audio"\')'
        '.replace(b\'"type":"@"\', b\'"type":"video"\') '
        "if outcome.view.status in (Status.CANCELLED, Status.UNANSWERED, Status.ENDED) else message_json)",
        ("test_alex_cancels_a_call_to_receiver_before_anyone_answers", "test_who_ends_the_call_and_other_is_told"),
    ),
    Mutant(
        "the news of a cancel or a no-answer names a session nobody started",
        "mockserver/service.py",
        "frame_json = wire.encoded_frame(self.app_id, outcome.origin, message, message_json)",
        "frame_json = wire.encoded_frame(self.app_id, outcome.origin, message, message_json.replace("
        "outcome.call.session_id.encode(), b'v1.bogus') "
        "if outcome.view.status in (Status.CANCELLED, Status.UNANSWERED) else message_json)",
        (
            "test_cancelling_stops_the_call_ringing_on_every_device_bob_is_signed_in_on",
            "test_a_call_nobody_answers_stops_ringing_on_every_device_bob_is_signed_in_on",
        ),
    ),
    Mutant(
        "a custom timeout fires at once",
        "ringcheck/wire/device.py",
        "resolve_timeout(timeout), lambda: self._no_answer(session_id)",
        "0 if timeout is not None else resolve_timeout(timeout), lambda: self._no_answer(session_id)",
        ("test_alex_chooses_a_shorter_timeout", "test_a_timeout_of_timeout_seconds_is_counted_in_whole_seconds"),
    ),
    Mutant(
        "refusals are sent with HTTP status 200",
        "mockserver/app.py",
        "status=HTTP_STATUS.get(refusal.code, 400))",
        "status=200)",
        ("test_nobody_can_call_themselves", "test_a_cancelled_call_cannot_be_accepted_any_more"),
    ),
    Mutant(
        "the caller may end a call nobody answered",
        "mockserver/calls.py",
        "        if call.status is Status.INITIATED:\n            raise Refusal(\n"
        "                ErrorCode.CALL_NOT_STARTED,",
        "        if False:\n            raise Refusal(\n                ErrorCode.CALL_NOT_STARTED,",
        ("test_a_call_that_is_still_ringing_cannot_be_ended_only_cancelled",),
    ),
    Mutant(
        "the reference client never reconnects a dropped socket",
        "ringcheck/wire/session.py",
        'reconnecting in {RECONNECT_SECONDS:g} s")\n        self._schedule_reconnect()',
        'reconnecting in {RECONNECT_SECONDS:g} s")',
        (
            "test_bobs_phone_loses_its_connection_while_the_call_rings_comes_back_and_hears_the_cancel",
            "test_alex_cancels_while_bobs_phone_is_offline_back_online_bobs_phone_is_not_told",
        ),
        says="should have reconnected",
    ),
    Mutant(
        "the reference client gives up after one refused reconnect",
        "ringcheck/wire/session.py",
        'trying again in {RECONNECT_SECONDS:g} s")\n            self._schedule_reconnect()',
        'trying again in {RECONNECT_SECONDS:g} s")',
        ("test_bobs_phone_is_turned_away_when_it_first_tries_to_reconnect_and_gets_back_on_a_later_try",),
        says="should have reconnected",
    ),
]


def apply(mutant: Mutant, folder: Path) -> None:
    path = folder / mutant.file
    text = path.read_text(encoding="utf-8")
    if text.count(mutant.old) != 1:
        raise SystemExit(f"mutant {mutant.name!r}: the text to change is not found exactly once in {mutant.file}")
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


def run(mutant: Mutant) -> tuple[Mutant, list[str], float]:
    with tempfile.TemporaryDirectory(prefix="ringcheck-mutant-") as scratch:
        folder = Path(scratch)
        for name in COPY:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, folder / name)
        apply(mutant, folder)
        env = {**os.environ, "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "steps",
                "-q",
                "-rf",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                "--ringcheck-deadline",
                "1",
                "-o",
                "timeout=60",
            ],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        failed = re.findall(r"^FAILED steps/test_ringing\.py::(.+?)(?: - .*)?$", result.stdout, re.MULTILINE)
        if mutant.says and mutant.says not in result.stdout:
            failed = []  # failing for another reason than the check the mutant is there to prove
        return mutant, failed, time.perf_counter() - started


def main(names: list[str]) -> int:
    chosen = [m for m in MUTANTS if not names or m.name in names]
    survivors = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for mutant, failed, seconds in pool.map(run, chosen):
            missing = [p for p in mutant.must_fail if not any(name.startswith(p) for name in failed)]
            verdict = "killed" if not missing else "SURVIVED"
            survivors += bool(missing)
            print(f"{verdict:8} {mutant.name} ({len(failed)} scenarios failed, {seconds:.1f} s)")
            for prefix in missing:
                print(f"           expected a failure of {prefix}*, got: {', '.join(failed) or 'none'}")
    print(f"{len(chosen) - survivors} of {len(chosen)} mutants killed by the scenarios named for them")
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
