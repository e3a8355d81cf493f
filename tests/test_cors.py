"""CORS: a web page on another origin can call the mock server; only loopback pages by default.

Real server on 127.0.0.1, real HTTP requests carrying the headers a browser sends; the browser
itself is exercised in tests/browser/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from mockserver import MockServer, ServerConfig
from mockserver.cli import main
from mockserver.cors import CorsPolicy, checked_origin, is_loopback_origin

PAGE = "http://127.0.0.1:5173"
SDK_HEADERS = "appid,authtoken,resource,sdk,apikey,content-type"
"""What Chromium puts in Access-Control-Request-Headers for the SDK's requests (lower case, sorted)."""


@pytest_asyncio.fixture
async def base_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    origins = getattr(request, "param", ())
    async with MockServer(ServerConfig(cors_origins=origins)) as server:
        yield server.base_url


async def send(method: str, url: str, headers: dict[str, str], body: object = None) -> tuple[int, dict[str, str], str]:
    """One request; its status, headers and body text."""
    async with aiohttp.ClientSession() as http, http.request(method, url, headers=headers, json=body) as response:
        return response.status, dict(response.headers), await response.text()


async def preflight(base_url: str, origin: str) -> tuple[int, dict[str, str]]:
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": SDK_HEADERS}
    status, answer, _ = await send("OPTIONS", base_url + "/v3.0/calls", headers)
    return status, answer


@pytest.mark.asyncio
async def test_a_preflight_from_a_loopback_page_allows_the_sdks_headers_and_methods(base_url: str) -> None:
    status, headers = await preflight(base_url, PAGE)
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == PAGE
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert set(SDK_HEADERS.split(",")) <= allowed
    methods = {m.strip() for m in headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "PUT", "DELETE"} <= methods
    assert headers["Vary"] == "Origin"


@pytest.mark.asyncio
async def test_the_answer_itself_names_the_origin_refusals_included(base_url: str) -> None:
    _, headers, body = await send("PUT", base_url + "/v3.0/me", {"Origin": PAGE, "appId": "ringcheck"}, {})
    assert '"error"' in body  # no token: refused, and the page may still read why
    assert headers["Access-Control-Allow-Origin"] == PAGE


@pytest.mark.asyncio
async def test_a_page_from_elsewhere_gets_no_cors_answer_by_default(base_url: str) -> None:
    status, headers = await preflight(base_url, "http://dev.example:3000")
    assert status == 403
    assert "Access-Control-Allow-Origin" not in headers
    _, headers, _ = await send("GET", base_url + "/v3.0/settings", {"Origin": "http://dev.example:3000"})
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.asyncio
@pytest.mark.parametrize("base_url", [("http://dev.example:3000",)], indirect=True)
async def test_an_origin_given_on_the_command_line_is_allowed(base_url: str) -> None:
    _, headers = await preflight(base_url, "http://dev.example:3000")
    assert headers["Access-Control-Allow-Origin"] == "http://dev.example:3000"
    assert (await preflight(base_url, "http://other.example"))[0] == 403


@pytest.mark.asyncio
@pytest.mark.parametrize("base_url", [("*",)], indirect=True)
async def test_a_star_allows_any_origin(base_url: str) -> None:
    assert (await preflight(base_url, "https://anywhere.example"))[0] == 204


@pytest.mark.asyncio
async def test_requests_without_an_origin_are_untouched(base_url: str) -> None:
    status, headers, _ = await send("OPTIONS", base_url + "/v3.0/calls", {})
    assert status == 405  # not a preflight: routing answers as before
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize(
    ("origin", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("https://127.5.0.1", True),
        ("http://localhost:3000", True),
        ("http://[::1]:3000", True),
        ("http://127.0.0.1.example", False),
        ("http://localhost.example", False),
        ("file://", False),
        ("null", False),
        ("http://[::1", False),
    ],
)
def test_which_origins_are_loopback(origin: str, loopback: bool) -> None:
    assert is_loopback_origin(origin) is loopback
    assert CorsPolicy().allows(origin) is loopback


@pytest.mark.parametrize("value", ["localhost:3000", "http://x/app", "ftp://x", "http://x:port", ""])
def test_a_cors_origin_that_is_not_an_origin_is_refused(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="--cors-origin must be"):
        checked_origin(value)
    assert main(["--port", "0", "--cors-origin", value]) == 2
    assert "--cors-origin must be" in capsys.readouterr().err


def test_the_command_line_flag_repeats_and_reaches_the_server_config() -> None:
    from mockserver.cli import parse_args

    args = parse_args(["--cors-origin", "http://dev.example:3000/", "--cors-origin", "*"])
    assert CorsPolicy.allowing(args.cors_origin).extra_origins == ("http://dev.example:3000", "*")
