"""The pieces the SSRF tests share: a routed "Internet" socket factory, a public issuer that lives
on loopback, and helpers asserting that a URL is refused (with no connection at all).

- the issuer is ``issuer.example``, which the resolver seam answers with a public address and the
  socket factory routes to a raw HTTP server on 127.0.0.1: a public issuer that never leaves this
  machine, so hostile redirects come from a peer the guard has no reason to trust;
- loopback connections pass through untouched, so a broken guard would reach the canary on
  127.0.0.1 and the test would see it; anything else is refused, so nothing leaves this machine;
- every connection attempt is recorded, so "unconnected" means no socket was even opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import socket
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from agent.errors import ErrorCode, FetchError
from agent.fetch import SafeFetcher, is_public_address, parse_allow_hosts
from agent.fetch.resolver import HostResolver
from tests.fetch.conftest import Canary, FakeResolver

StartCanary = Callable[..., Awaitable[Canary]]


PUBLIC_IP = "93.184.216.34"  # routed to the loopback issuer by Internet
UNROUTED_PUBLIC_IP = "93.184.216.35"  # public, but nothing answers there
ISSUER = "issuer.example"


class _RoutedSocket(socket.socket):
    """A socket whose connect() goes to 127.0.0.1 at the port asked for."""

    def connect(self, address: Any) -> None:
        super().connect(("127.0.0.1", address[1]))


@dataclass
class Internet:
    """The stand-in network: PUBLIC_IP leads to loopback, loopback passes, the rest is dropped."""

    attempts: list[str] = field(default_factory=list)

    def __call__(self, addr_info: tuple[Any, ...]) -> socket.socket:
        family, kind, proto, _, sockaddr = addr_info
        address = str(sockaddr[0])
        self.attempts.append(address)
        if address == PUBLIC_IP:
            return _RoutedSocket(socket.AF_INET, kind, proto)
        if ipaddress.ip_address(address.split("%")[0]).is_loopback:
            return socket.socket(family, kind, proto)  # a broken guard reaches the canary
        raise OSError(errno.ENETUNREACH, f"test network: {address} is unreachable")

    @property
    def only_public(self) -> bool:
        return all(is_public_address(address) for address in self.attempts)


@dataclass
class Issuer:
    """A raw HTTP/1.1 server: a path in ``redirects`` answers 302 with that Location line verbatim
    (CR, LF, NUL and all); any other path answers 200 with the request target as its body."""

    port: int = 0
    redirects: dict[str, bytes] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)

    def url(self, path: str = "/") -> str:
        return f"http://{ISSUER}:{self.port}{path}"

    def redirect(self, path: str, location: str) -> None:
        self.redirects[path] = b"Location: " + location.encode("latin-1")

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            target = head.split(b" ", 2)[1].decode("latin-1")
            self.hits[target] += 1
            body = target.encode("latin-1")
            if target in self.redirects:
                writer.write(b"HTTP/1.1 302 Found\r\n" + self.redirects[target] + b"\r\n")
                body = b""
            else:
                writer.write(b"HTTP/1.1 200 OK\r\n")
            writer.write(b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def public_issuer() -> AsyncIterator[Issuer]:
    """The public issuer at issuer.example, listening on 127.0.0.1 (the ``issuer`` fixture)."""
    site = Issuer()
    server = await asyncio.start_server(site.answer, "127.0.0.1", 0)
    site.port = int(server.sockets[0].getsockname()[1])
    try:
        yield site
    finally:
        server.close()
        await server.wait_closed()


def issuer_dns(*answers: list[str], **others: list[list[str]]) -> FakeResolver:
    """The seam: issuer.example gives ``answers`` in turn (public by default), plus ``others``."""
    return FakeResolver({ISSUER: list(answers) or [[PUBLIC_IP]], **others})


def guarded(internet: Internet, resolver: HostResolver) -> SafeFetcher:
    """A SafeFetcher with no allow list, on the stand-in network."""
    allow = parse_allow_hosts("")
    return SafeFetcher(resolver=resolver, allow_hosts=allow, socket_factory=internet, timeout=5)


async def refused(internet: Internet, resolver: HostResolver, url: str, code: ErrorCode) -> None:
    async with guarded(internet, resolver) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(url)
    assert caught.value.code is code, caught.value


async def refused_unconnected(
    internet: Internet, bird: Canary, host: str, resolver: HostResolver
) -> None:
    """``http://host:<canary port>/`` is ADDRESS_REFUSED with no connection attempted."""
    await refused(internet, resolver, f"http://{host}:{bird.port}/", ErrorCode.ADDRESS_REFUSED)
    assert (bird.connections, internet.attempts) == (0, [])
