"""SafeFetcher against real loopback servers: allow list, schemes, redirects, limits, errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from agent import __version__
from agent.errors import ErrorCode, FetchError
from agent.fetch import SafeFetcher, parse_allow_hosts
from tests.fetch.conftest import Canary, LoopbackServer, ipv6_loopback_available

Serve = Callable[..., Awaitable[LoopbackServer]]
StartCanary = Callable[..., Awaitable[Canary]]


def json_page(
    body: str = '{"id": "x"}', **headers: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body.encode(), content_type="application/ld+json", headers=headers)

    return handler


def redirect_to(
    location: str, status: int = 302
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": location})

    return handler


def allowing(*servers: LoopbackServer, **options: object) -> SafeFetcher:
    """A fetcher whose allow list names exactly these servers' host:port."""
    text = ",".join(
        f"{s.host}:{s.port}" if ":" not in s.host else f"[{s.host}]:{s.port}" for s in servers
    )
    return SafeFetcher(allow_hosts=parse_allow_hosts(text), **options)  # type: ignore[arg-type]


async def expect_error(
    fetcher: SafeFetcher, url: str, code: ErrorCode, **kwargs: int
) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await fetcher.get(url, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code is code, caught.value
    return caught.value


async def test_allowed_host_is_fetched(serve: Serve) -> None:
    """An allow-listed loopback issuer answers, with status, media type, body and final URL."""
    issuer = await serve({"/a": json_page('{"ok": true}')})
    async with allowing(issuer) as fetcher:
        response = await fetcher.get(issuer.url("/a"))
    assert response.status == 200
    assert response.content_type == "application/ld+json"
    assert response.body == b'{"ok": true}'
    assert response.url == issuer.url("/a")
    assert response.from_cache is False
    assert fetcher.stats.network_requests == 1


async def test_allow_list_is_read_from_the_environment(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no allow list given, BADGEKEEPER_ALLOW_HOSTS decides."""
    issuer = await serve({"/a": json_page()})
    monkeypatch.setenv("BADGEKEEPER_ALLOW_HOSTS", f"example.test, 127.0.0.1:{issuer.port}")
    async with SafeFetcher() as fetcher:
        assert (await fetcher.get(issuer.url("/a"))).status == 200
    monkeypatch.setenv("BADGEKEEPER_ALLOW_HOSTS", "localhost")
    async with SafeFetcher() as fetcher:
        await expect_error(fetcher, issuer.url("/a"), ErrorCode.ADDRESS_REFUSED)
    assert issuer.total == 1


async def test_accept_user_agent_and_content_type(serve: Serve) -> None:
    """Accept is sent as given, the User-Agent names Badgekeeper, the media type is normalised."""

    async def echo(request: web.Request) -> web.Response:
        return web.Response(
            text=request.headers.get("Accept", ""),
            headers={"Content-Type": "Application/LD+JSON; charset=UTF-8", "X-Thing": "1"},
        )

    issuer = await serve({"/echo": echo})
    async with allowing(issuer) as fetcher:
        response = await fetcher.get(issuer.url("/echo"), accept="image/png")
    assert response.body == b"image/png"
    assert response.content_type == "application/ld+json"
    assert response.headers["x-thing"] == "1"
    assert issuer.requests[0].headers["User-Agent"] == f"Badgekeeper/{__version__}"
    assert "Cookie" not in issuer.requests[0].headers


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_http_errors_are_answers(serve: Serve, status: int) -> None:
    """404, 410 and 500 come back as responses for the verifier to read, not as errors."""

    async def fail(request: web.Request) -> web.Response:
        return web.Response(status=status, text="gone")

    issuer = await serve({"/x": fail})
    async with allowing(issuer) as fetcher:
        response = await fetcher.get(issuer.url("/x"))
        again = await fetcher.get(issuer.url("/x"))
    assert (response.status, response.body) == (status, b"gone")
    assert again.from_cache is False
    assert issuer.hits["/x"] == 2


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_loopback_is_refused_without_an_allow_entry(canary: StartCanary, host: str) -> None:
    """127.0.0.1 and localhost are ADDRESS_REFUSED and the server sees no connection."""
    bird = await canary()
    async with SafeFetcher(allow_hosts=parse_allow_hosts("")) as fetcher:
        await expect_error(fetcher, f"http://{host}:{bird.port}/", ErrorCode.ADDRESS_REFUSED)
    assert bird.connections == 0
    assert fetcher.stats.network_requests == 0


async def test_ipv6_loopback_is_refused(canary: StartCanary) -> None:
    """[::1] is refused before any connection."""
    if not ipv6_loopback_available():
        pytest.skip("no IPv6 loopback on this machine")
    bird = await canary("::1")
    async with SafeFetcher(allow_hosts=parse_allow_hosts("")) as fetcher:
        await expect_error(fetcher, bird.url(), ErrorCode.ADDRESS_REFUSED)
    assert bird.connections == 0


async def test_allowing_127_0_0_1_does_not_open_localhost(canary: StartCanary) -> None:
    """An entry matches the host as written: 127.0.0.1 does not open localhost."""
    bird = await canary()
    async with SafeFetcher(allow_hosts=parse_allow_hosts("127.0.0.1")) as fetcher:
        await expect_error(fetcher, f"http://localhost:{bird.port}/", ErrorCode.ADDRESS_REFUSED)
        assert (await fetcher.get(bird.url())).status == 200
    assert bird.connections == 1


@pytest.mark.parametrize(
    "literal",
    [
        "2130706433",
        "127.1",
        "0177.0.0.1",
        "[::ffff:127.0.0.1]",
        "[::127.0.0.1]",
        "[0:0:0:0:0:0:0:1]",
    ],
)
async def test_odd_loopback_literals_are_refused(canary: StartCanary, literal: str) -> None:
    """Numeric and IPv6 spellings of loopback never get past the guard."""
    bird = await canary()
    async with SafeFetcher(allow_hosts=parse_allow_hosts("")) as fetcher:
        await expect_error(fetcher, f"http://{literal}:{bird.port}/", ErrorCode.ADDRESS_REFUSED)
    assert bird.connections == 0


async def test_redirect_to_unallowed_loopback_is_refused(serve: Serve, canary: StartCanary) -> None:
    """An allowed issuer cannot redirect the fetcher to another loopback port or name."""
    bird = await canary()
    issuer = await serve(
        {
            "/ip": redirect_to(f"http://127.0.0.1:{bird.port}/secret"),
            "/name": redirect_to(f"http://localhost:{bird.port}/secret", 307),
            "/v6": redirect_to(f"http://[::ffff:127.0.0.1]:{bird.port}/secret", 301),
        }
    )
    async with allowing(issuer) as fetcher:
        for path in ("/ip", "/name", "/v6"):
            await expect_error(fetcher, issuer.url(path), ErrorCode.ADDRESS_REFUSED)
    assert bird.connections == 0


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "gopher://127.0.0.1:70/_x", "data:text/plain,hi", "ftp://example.test/"],
)
async def test_redirect_to_other_schemes_is_refused(serve: Serve, location: str) -> None:
    """A redirect may only lead to http or https."""
    issuer = await serve({"/r": redirect_to(location)})
    async with allowing(issuer) as fetcher:
        await expect_error(fetcher, issuer.url("/r"), ErrorCode.SCHEME_REFUSED)


async def test_redirect_with_credentials_is_refused(serve: Serve) -> None:
    """A redirect to a URL carrying user:pass@ is refused."""
    issuer = await serve({"/r": redirect_to("/ok"), "/ok": json_page()})
    issuer_with_user = issuer.url("/ok").replace("http://", "http://user:pw@")
    second = await serve({"/r": redirect_to(issuer_with_user)})
    async with allowing(issuer, second) as fetcher:
        await expect_error(fetcher, second.url("/r"), ErrorCode.SCHEME_REFUSED)
        await expect_error(fetcher, issuer_with_user, ErrorCode.SCHEME_REFUSED)
    assert issuer.hits["/ok"] == 0


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("file:///etc/passwd", ErrorCode.SCHEME_REFUSED),
        ("javascript:alert(1)", ErrorCode.SCHEME_REFUSED),
        ("/relative/path", ErrorCode.SCHEME_REFUSED),
        ("http://[::1", ErrorCode.FETCH_FAILED),
        ("http://127.0.0.1:99999/", ErrorCode.FETCH_FAILED),
        ("http:///nohost", ErrorCode.FETCH_FAILED),
    ],
)
async def test_bad_urls_fail_with_a_code(url: str, code: ErrorCode) -> None:
    """Other schemes, unparsable URLs and missing hosts end in a typed error."""
    async with SafeFetcher(allow_hosts=parse_allow_hosts("127.0.0.1")) as fetcher:
        await expect_error(fetcher, url, code)


async def test_redirects_are_followed_to_the_final_url(serve: Serve) -> None:
    """Up to max_redirects hops are followed; the response names the final URL."""
    routes = {f"/hop{i}": redirect_to(f"/hop{i + 1}", 301 + i % 3) for i in range(5)}
    routes["/hop5"] = json_page()
    issuer = await serve(routes)
    async with allowing(issuer) as fetcher:
        response = await fetcher.get(issuer.url("/hop0"))
    assert response.status == 200
    assert response.url == issuer.url("/hop5")


async def test_redirect_loop_ends(serve: Serve) -> None:
    """A redirect loop is TOO_MANY_REDIRECTS after max_redirects + 1 requests."""
    issuer = await serve({"/loop": redirect_to("/loop")})
    async with allowing(issuer, max_redirects=3) as fetcher:
        await expect_error(fetcher, issuer.url("/loop"), ErrorCode.TOO_MANY_REDIRECTS)
    assert issuer.hits["/loop"] == 4
    assert fetcher.stats.network_requests == 4


async def test_oversize_body_with_content_length(serve: Serve) -> None:
    """A declared Content-Length over the limit is RESPONSE_TOO_LARGE."""
    issuer = await serve({"/big": json_page("x" * 5000)})
    async with allowing(issuer) as fetcher:
        await expect_error(
            fetcher, issuer.url("/big"), ErrorCode.RESPONSE_TOO_LARGE, max_bytes=1000
        )
        assert len((await fetcher.get(issuer.url("/big"), max_bytes=5000)).body) == 5000


@pytest.mark.timeout(20)
async def test_oversize_streamed_body_stops_reading(serve: Serve) -> None:
    """A chunked body without Content-Length is abandoned once it passes the limit."""
    sent = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(2000):  # 128 MB at most, far more than any limit here
                await response.write(b"x" * 65536)
                sent += 65536
        return response

    issuer = await serve({"/endless": endless})
    async with allowing(issuer) as fetcher:
        await expect_error(fetcher, issuer.url("/endless"), ErrorCode.RESPONSE_TOO_LARGE)
    assert sent < 2000 * 65536


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    """Start raw TCP servers from a connection handler; returns the port."""
    servers: list[asyncio.Server] = []
    handlers: set[asyncio.Task[object]] = set()

    async def start(
        handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    ) -> int:
        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await handle(reader, writer)
            writer.close()

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for task in handlers:
        task.cancel()
    for server in servers:
        server.close()


@pytest.mark.timeout(10)
async def test_hanging_server_times_out(raw_server: Callable[..., Awaitable[int]]) -> None:
    """A server that accepts and never answers ends in FETCH_TIMEOUT."""

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    port = await raw_server(hang)
    async with SafeFetcher(timeout=0.5, allow_hosts=parse_allow_hosts("127.0.0.1")) as fetcher:
        await expect_error(fetcher, f"http://127.0.0.1:{port}/", ErrorCode.FETCH_TIMEOUT)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("stage", ["headers", "body"])
async def test_trickling_server_times_out(
    raw_server: Callable[..., Awaitable[int]], stage: str
) -> None:
    """A server trickling a byte at a time (headers or body) cannot outlast the timeout."""

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if stage == "body":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(300):  # 30 s of trickling at most
            writer.write(b"X-Slow: y\r\n"[:1] if stage == "headers" else b"x")
            await writer.drain()
            await asyncio.sleep(0.1)

    port = await raw_server(trickle)
    async with SafeFetcher(timeout=0.5, allow_hosts=parse_allow_hosts("127.0.0.1")) as fetcher:
        await expect_error(fetcher, f"http://127.0.0.1:{port}/", ErrorCode.FETCH_TIMEOUT)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_connection_refused_is_fetch_failed(caplog: pytest.LogCaptureFixture) -> None:
    """A closed port is FETCH_FAILED naming the host, never the query or a traceback."""
    caplog.set_level(logging.DEBUG, logger="agent.fetch")
    url = f"http://127.0.0.1:{free_port()}/assertion?token=SECRET123"
    async with SafeFetcher(allow_hosts=parse_allow_hosts("127.0.0.1")) as fetcher:
        error = await expect_error(fetcher, url, ErrorCode.FETCH_FAILED)
    assert "127.0.0.1" in error.message
    assert "SECRET123" not in error.message
    assert "SECRET123" not in caplog.text
    assert "Traceback" not in caplog.text


async def test_environment_proxies_are_ignored(
    serve: Serve, canary: StartCanary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY cannot route a fetch around the guard."""
    bird = await canary()
    issuer = await serve({"/a": json_page()})
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, bird.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with allowing(issuer) as fetcher:
        assert (await fetcher.get(issuer.url("/a"))).status == 200
    assert bird.connections == 0


async def test_closed_fetcher_refuses_to_fetch(serve: Serve) -> None:
    """After close() a get is a FetchError, and close() may be called twice."""
    issuer = await serve({"/a": json_page()})
    fetcher = allowing(issuer)
    await fetcher.get(issuer.url("/a"))
    await fetcher.close()
    await fetcher.close()
    await expect_error(fetcher, issuer.url("/a"), ErrorCode.FETCH_FAILED)


async def test_tls_failure_is_fetch_failed(serve: Serve) -> None:
    """An https URL whose server cannot complete a TLS handshake is FETCH_FAILED naming the host."""
    issuer = await serve({"/a": json_page()})
    async with allowing(issuer, timeout=5) as fetcher:
        error = await expect_error(
            fetcher, f"https://127.0.0.1:{issuer.port}/a", ErrorCode.FETCH_FAILED
        )
    assert "127.0.0.1" in error.message
