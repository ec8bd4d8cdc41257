"""Real loopback peers for the fetcher tests, and the two seams: resolver and socket factory.

- ``serve(routes)`` starts an aiohttp server on 127.0.0.1 (port 0) and counts requests per path.
- ``canary()`` starts a raw TCP server that counts *connections*: a refused fetch must leave it
  at zero, which proves nothing was even attempted.
- ``FakeResolver`` answers names from a table (a list of answers per call, to model rebinding).
- ``tripwire`` is a socket factory that records every address a connection is attempted to and
  refuses anything outside loopback, so a broken guard can never send traffic off this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

if TYPE_CHECKING:
    from tests.fetch.ssrf_support import Internet, Issuer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class LoopbackServer:
    """A running server and what it saw."""

    host: str
    port: int
    hits: Counter[str] = field(default_factory=Counter)
    requests: list[web.Request] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    @property
    def total(self) -> int:
        return sum(self.hits.values())


@dataclass
class Canary:
    """A TCP listener that counts connections and answers any request with 200."""

    host: str
    port: int
    connections: int = 0

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[LoopbackServer]]]:
    """Start aiohttp servers from ``{path: handler}`` tables; all are stopped after the test."""
    runners: list[web.AppRunner] = []

    async def start(routes: Mapping[str, Handler], host: str = "127.0.0.1") -> LoopbackServer:
        server = LoopbackServer(host=host, port=0)

        @web.middleware
        async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
            server.hits[request.path] += 1
            server.requests.append(request)
            return await handler(request)

        app = web.Application(middlewares=[count])
        for path, handler in routes.items():
            app.router.add_get(path, handler)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, host, 0)
        await site.start()
        server.port = runner.addresses[-1][1]
        return server

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def canary() -> AsyncIterator[Callable[..., Awaitable[Canary]]]:
    """Start connection-counting canaries; all are closed after the test."""
    servers: list[asyncio.Server] = []

    async def start(host: str = "127.0.0.1") -> Canary:
        bird = Canary(host=host, port=0)

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            bird.connections += 1
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, host, 0)
        servers.append(server)
        bird.port = server.sockets[0].getsockname()[1]
        return bird

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@dataclass
class FakeResolver:
    """Answers from ``table[host]``: a list of answers, one per call, the last one repeating."""

    table: dict[str, list[list[str]]]
    calls: list[str] = field(default_factory=list)

    async def resolve(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answers = self.table.get(host)
        if not answers:
            raise OSError(f"no such host {host}")
        index = min(self.calls.count(host) - 1, len(answers) - 1)
        return answers[index]


@dataclass
class Tripwire:
    """A socket factory that records connection attempts and lets only loopback through."""

    attempts: list[str] = field(default_factory=list)

    def __call__(self, addr_info: tuple[Any, ...]) -> socket.socket:
        family, kind, proto, _, sockaddr = addr_info
        self.attempts.append(str(sockaddr[0]))
        if not ipaddress.ip_address(str(sockaddr[0]).split("%")[0]).is_loopback:
            raise OSError(f"tripwire: refusing a test connection to {sockaddr[0]}")
        return socket.socket(family, kind, proto)


@pytest.fixture
def tripwire() -> Tripwire:
    """A fresh tripwire socket factory."""
    return Tripwire()


def ipv6_loopback_available() -> bool:
    """True when this machine can listen on [::1]."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# The SSRF tests' network and public issuer (tests/fetch/ssrf_support.py, imported lazily: it
# imports this module).


@pytest.fixture
def internet() -> Internet:
    """A fresh stand-in network that routes the public issuer's address to loopback."""
    from tests.fetch.ssrf_support import Internet

    return Internet()


@pytest.fixture
async def issuer() -> AsyncIterator[Issuer]:
    """The public issuer at issuer.example, listening on 127.0.0.1."""
    from tests.fetch.ssrf_support import public_issuer

    async with public_issuer() as site:
        yield site
