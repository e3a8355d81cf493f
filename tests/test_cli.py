"""``python -m mockserver`` as a person or CI runs it: a subprocess, its banner, its exit codes.

Starting Python and aiohttp costs about half a second per process, so the module starts every
process it needs at once, in parallel, and each test then reads its own. Every process is
terminated (and waited for with a deadline) when the module is done; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
import re
import selectors
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from mockserver.calls import KEEP_ENDED_CALLS
from mockserver.cli import config_of, loop_runner, main, parse_args

PROCESS_DEADLINE = 30.0
"""For a new Python process: starting one that imports aiohttp takes about 2 s here, and several
times that when the machine is loaded (a 5 s deadline failed at a load average of 9)."""

REPO = Path(__file__).resolve().parent.parent
BANNER = re.compile(
    r"^ringcheck mock call server on (?P<url>(?P<scheme>https?)://127\.0\.0\.1:(?P<port>\d+)) "
    r"appId=ringcheck apiKey=ringcheck-api-key host=127\.0\.0\.1:(?P=port)/v3\.0"
    r"(?: ca=(?P<ca>\S+))?(?: admin=(?P=url)/_admin/)?$"
)

JSON_SEED = {
    "users": [{"uid": "ann", "name": "Ann"}, {"uid": "ben"}],
    "groups": [{"guid": "duo", "members": ["ann", "ben"]}],
}
TOML_SEED = """
[[users]]
uid = "tom"
name = "Tom"

[[users]]
uid = "tim"

[[groups]]
guid = "pair"
name = "Pair"
members = ["tom", "tim"]
"""
BAD_SEEDS = {
    "missing.json": None,
    "broken.json": '{"users": [',
    "list.json": '["alex"]',
    "unknown-member.json": json.dumps({"users": [{"uid": "ann"}], "groups": [{"guid": "g", "members": ["zed"]}]}),
    "bad-uid.toml": '[[users]]\nuid = "has space"\n',
    "broken.toml": "[[users]\nuid =",
    "users-not-a-list.json": '{"users": 3}',
}


@dataclass
class Launched:
    args: list[str]
    process: subprocess.Popen[str]
    _banner: str | None = None

    def banner(self) -> str:
        """The first line on stdout, within the deadline; fails with stderr if the process died."""
        if self._banner is None:
            self._banner = self._read_line()
        return self._banner

    def _read_line(self) -> str:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(PROCESS_DEADLINE):
                raise AssertionError(f"no banner within {PROCESS_DEADLINE} s from {self.args}")
        line = self.process.stdout.readline()
        assert line, f"{self.args} exited {self.process.wait(PROCESS_DEADLINE)}: {self.stderr()}"
        return line.rstrip("\n")

    def stderr(self) -> str:
        assert self.process.stderr is not None
        return self.process.stderr.read() if self.process.poll() is not None else "(still running)"

    def finished(self) -> tuple[int, str, str]:
        """Exit code, stdout and stderr of a process expected to exit on its own."""
        out, err = self.process.communicate(timeout=PROCESS_DEADLINE)
        return self.process.returncode, out, err

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            code = self.process.wait(PROCESS_DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(PROCESS_DEADLINE)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code


def launch(*args: str) -> Launched:
    command = [sys.executable, "-m", "mockserver", *args]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return Launched(command, process)


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Launched]]:
    """Every process this module needs, started together; all stopped at the end."""
    folder = tmp_path_factory.mktemp("cli")
    (folder / "seed.json").write_text(json.dumps(JSON_SEED), encoding="utf-8")
    (folder / "seed.toml").write_text(TOML_SEED, encoding="utf-8")
    for name, text in BAD_SEEDS.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    processes = {
        "plain": launch("--port", "0"),
        "tls": launch(
            "--port", "0", "--tls", "--tls-dir", str(folder / "tls"), "--admin", "--seed", str(folder / "seed.toml")
        ),
        "json seed": launch("--port", "0", "--seed", str(folder / "seed.json")),
        "bad seed": launch("--port", "0", "--seed", str(folder / "broken.json")),
    }
    try:
        yield processes
    finally:
        for process in processes.values():
            process.stop()


def parse(banner: str) -> re.Match[str]:
    match = BANNER.match(banner)
    assert match, f"unexpected banner: {banner!r}"
    return match


async def get_settings(url: str, ssl_context: ssl.SSLContext | bool = True) -> dict[str, object]:
    async with aiohttp.ClientSession() as http, http.get(url + "/v3.0/settings", ssl=ssl_context) as response:
        assert response.status == 200
        body: dict[str, object] = json.loads(await response.text())["data"]
        return body


@pytest.mark.asyncio
async def test_it_prints_one_banner_line_serves_there_and_stops_cleanly(launched: dict[str, Launched]) -> None:
    """URL, appId, apiKey and the host for overrideClientHost on one line; the port is real; SIGTERM
    (how CI stops it) ends it promptly with exit 0, i.e. a shutdown, not a crash."""
    process = launched["plain"]
    match = parse(process.banner())
    assert match["scheme"] == "http"
    assert match["ca"] is None
    settings = await get_settings(match["url"])
    assert settings["CHAT_WSS_PORT"] == int(match["port"])
    started = time.monotonic()
    assert process.stop() == 0
    assert time.monotonic() - started < PROCESS_DEADLINE
    assert process.process.stdout is None or process.process.stdout.closed


@pytest.mark.asyncio
async def test_tls_prints_the_ca_and_https_works_when_trusting_it(launched: dict[str, Launched]) -> None:
    """The SDK only speaks https/wss: trusting the printed CA must be enough, and needed."""
    banner = launched["tls"].banner()
    match = parse(banner)
    assert match["scheme"] == "https"
    assert f"admin={match['url']}/_admin/" in banner
    ca = Path(match["ca"])
    assert ca.name == "ringcheck-ca.pem"
    assert ca.parent.name == "tls"
    trusting = ssl.create_default_context(cafile=str(ca))
    settings = await get_settings(match["url"], trusting)
    assert settings["CLIENT_API_HOST"] == f"127.0.0.1:{match['port']}"
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await get_settings(match["url"], ssl.create_default_context())


def test_a_bad_seed_file_exits_2_with_one_clear_line(launched: dict[str, Launched]) -> None:
    """A typo in a seed must stop the server before it serves, naming the file, without a traceback."""
    code, out, err = launched["bad seed"].finished()
    assert (code, out) == (2, "")
    assert err.startswith("mockserver: seed file ")
    assert "broken.json" in err
    assert len(err.strip().splitlines()) == 1, f"one clear line, not a traceback: {err!r}"


@pytest.mark.parametrize("name", list(BAD_SEEDS))
def test_every_kind_of_bad_seed_is_refused_the_same_way(
    launched: dict[str, Launched], name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Missing, malformed, wrong shape, unknown members, bad ids, in JSON and TOML: exit 2, one line.

    Run in-process through ``cli.main`` (the subprocess above shows main's result is the exit code).
    """
    path = tmp_path / name
    if BAD_SEEDS[name] is not None:
        path.write_text(str(BAD_SEEDS[name]), encoding="utf-8")
    assert main(["--port", "0", "--seed", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"mockserver: seed file {path}: ")
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--ring-expiry", "0"], "--ring-expiry"),
        (["--ring-expiry", "nan"], "--ring-expiry"),
        (["--ring-expiry", "inf"], "--ring-expiry"),
        (["--port", "99999"], "--port"),
        (["--keep-ended-calls", "-1"], "--keep-ended-calls"),
    ],
)
def test_flags_that_cannot_work_exit_2_naming_the_flag(
    flags: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before serving: a ring expiry of 0 or NaN would expire every call at once or never,
    a port beyond 65535 or a negative number of ended calls to keep cannot be."""
    assert main(["--port", "0", *flags]) == 2
    assert named in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "kept"), [([], KEEP_ENDED_CALLS), (["--keep-ended-calls", "3"], 3), (["--keep-ended-calls", "0"], 0)]
)
def test_the_number_of_ended_calls_kept_reaches_the_server(flags: list[str], kept: int) -> None:
    """What the server keeps with it is tested in tests/test_bounds.py; here, that the flag gets there."""
    assert config_of(parse_args(["--port", "0", *flags])).keep_ended_calls == kept


@pytest.mark.asyncio
@pytest.mark.parametrize(("which", "seeded", "group"), [("json seed", "ann", "duo"), ("tls", "tom", "pair")])
async def test_seed_files_in_json_and_toml_load(
    launched: dict[str, Launched], which: str, seeded: str, group: str
) -> None:
    """The seeded people exist (and the default ones do not): a seeded user logs in and calls the group."""
    match = parse(launched[which].banner())
    url = match["url"]
    trust: ssl.SSLContext | bool = ssl.create_default_context(cafile=match["ca"]) if match["ca"] else True
    key = {"appId": "ringcheck", "apiKey": "ringcheck-api-key", "resource": "cli-test"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trust)) as http:
        async with http.post(f"{url}/v3.0/users/{seeded}/auth_tokens", headers=key, json={}) as response:
            assert response.status == 200
            token = json.loads(await response.text())["data"]["authToken"]
        async with http.post(f"{url}/v3.0/users/bob/auth_tokens", headers=key, json={}) as response:
            assert response.status == 404
        call = {"type": "audio", "receiverType": "group", "category": "call", "status": "initiated", "receiver": group}
        headers = {"appId": "ringcheck", "authToken": token, "resource": "cli-test"}
        async with http.post(f"{url}/v3.0/calls", headers=headers, json=call) as response:
            assert response.status == 200, await response.text()


@pytest.mark.asyncio
async def test_the_stdlib_loop_serves_the_same(launched: dict[str, Launched]) -> None:
    """``--loop asyncio`` (the fallback where uvloop is missing) serves as the default loop does.

    Started once the module's processes are up (it depends on ``launched``), so as not to add a
    fifth process to the start-up they all share."""
    process = launch("--port", "0", "--loop", "asyncio")
    try:
        match = parse(process.banner())
        assert (await get_settings(match["url"]))["CHAT_WSS_PORT"] == int(match["port"])
    finally:
        assert process.stop() == 0


def test_auto_takes_uvloop_where_installed_and_falls_back_where_not(monkeypatch: pytest.MonkeyPatch) -> None:
    uvloop = pytest.importorskip("uvloop")
    assert loop_runner("auto") is uvloop.run
    assert loop_runner("uvloop") is uvloop.run
    assert loop_runner("asyncio") is asyncio.run
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if it were not installed: import fails
    assert loop_runner("auto") is asyncio.run
    assert loop_runner("uvloop") is None


def test_asking_for_uvloop_without_it_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert main(["--port", "0", "--loop", "uvloop"]) == 2
    assert "--loop uvloop needs uvloop" in capsys.readouterr().err
