"""DNS for the safe fetcher: resolve once, judge every answer, hand aiohttp only what was judged.

Rules:
- aiohttp connects to exactly the addresses its resolver returns and does not resolve again, so
  checking here closes the DNS-rebinding gap between "check" and "connect".
- If *any* answer for a name is not public, the whole request is refused (ADDRESS_REFUSED): a
  name that mixes public and private answers is treated as hostile.
- Hosts in the allow list skip the address check; nothing else does.
- IP literals never reach a resolver (aiohttp connects to them directly); the client checks those
  before each request.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Protocol

from agent.errors import ErrorCode, FetchError
from agent.fetch.guard import AllowList, is_public_address, parse_ip
from agent.fetch.lazy_tls import aiohttp


class HostResolver(Protocol):
    """The seam: turns a host name into IP address strings (tests inject a fake)."""

    async def resolve(self, host: str, port: int) -> list[str]: ...


class SystemResolver:
    """The operating system's resolver, through ``loop.getaddrinfo`` (run in a thread)."""

    async def resolve(self, host: str, port: int) -> list[str]:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG
        )
        addresses: list[str] = []
        for family, _, _, _, sockaddr in infos:
            address = str(sockaddr[0])
            if family == socket.AF_INET6 and len(sockaddr) >= 4 and sockaddr[3]:
                address = f"{address.split('%')[0]}%{sockaddr[3]}"
            if address not in addresses:
                addresses.append(address)
        return addresses


def address_refused(host: str) -> FetchError:
    """The error for a host that is, or resolves to, a non-public address."""
    return FetchError(
        ErrorCode.ADDRESS_REFUSED,
        f"{host} is a local or private network address, which Badgekeeper never contacts for a "
        "badge. If this is your own test issuer, list it in BADGEKEEPER_ALLOW_HOSTS.",
    )


class GuardedResolver(aiohttp.abc.AbstractResolver):
    """An aiohttp resolver that refuses names resolving to non-public addresses."""

    def __init__(self, resolver: HostResolver, allow: AllowList) -> None:
        self._resolver = resolver
        self._allow = allow

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[aiohttp.abc.ResolveResult]:
        try:
            addresses = await self._resolver.resolve(host, port)
        except FetchError:
            raise
        except (OSError, UnicodeError, ValueError) as exc:
            # aiohttp turns an OSError from its resolver into a DNS error for this host.
            raise OSError(f"could not resolve {host}") from exc
        if not addresses:
            raise OSError(f"{host} has no address")
        allowed = self._allow.permits(host, port)
        if not allowed and not all(is_public_address(address) for address in addresses):
            raise address_refused(host)
        results: list[aiohttp.abc.ResolveResult] = []
        for address in addresses:
            parsed = parse_ip(address)
            if parsed is None:
                raise OSError(f"{host} resolved to something that is not an address")
            entry_family = socket.AF_INET if parsed.version == 4 else socket.AF_INET6
            if family not in (socket.AF_UNSPEC, entry_family):
                continue
            results.append(
                {
                    "hostname": host,
                    "host": str(parsed),
                    "port": port,
                    "family": entry_family,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                }
            )
        if not results:
            raise OSError(f"{host} has no address of the requested family")
        return results

    async def close(self) -> None:
        """Nothing to release: the seam owns no sockets."""
