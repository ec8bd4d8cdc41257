"""Names are judged by what they resolve to, and the connection goes only to the judged answer.

Every fetcher here gets the tripwire socket factory, so even a broken guard could not send a
packet beyond loopback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from agent.errors import ErrorCode, FetchError
from agent.fetch import SafeFetcher, parse_allow_hosts
from tests.fetch.conftest import Canary, FakeResolver, Tripwire

StartCanary = Callable[..., Awaitable[Canary]]
PUBLIC_IP = "93.184.216.34"


def fetcher_with(resolver: FakeResolver, tripwire: Tripwire, allow: str = "") -> SafeFetcher:
    return SafeFetcher(
        resolver=resolver,
        allow_hosts=parse_allow_hosts(allow),
        socket_factory=tripwire,
        timeout=5,
    )


@pytest.mark.parametrize(
    "answer",
    [
        ["10.0.0.1"],
        ["169.254.169.254"],
        ["::ffff:127.0.0.1"],
        ["127.0.0.1"],
        ["fd00::2"],
        ["100.64.1.1"],
        [PUBLIC_IP, "192.168.1.1"],
        ["2606:4700::1111", "::1"],
    ],
)
async def test_name_resolving_to_non_public_address_is_refused(
    tripwire: Tripwire, answer: list[str]
) -> None:
    """A public-looking name whose answers include any non-public address is refused unconnected."""
    resolver = FakeResolver({"issuer.example": [answer]})
    async with fetcher_with(resolver, tripwire) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get("https://issuer.example/assertion")
    assert caught.value.code is ErrorCode.ADDRESS_REFUSED
    assert "issuer.example" in caught.value.message
    assert tripwire.attempts == []
    assert resolver.calls == ["issuer.example"]


async def test_rebinding_connects_only_to_the_checked_answer(
    tripwire: Tripwire, canary: StartCanary
) -> None:
    """A name that answers public, then loopback, is connected to at the public answer only."""
    bird = await canary()
    resolver = FakeResolver({"rebind.example": [[PUBLIC_IP], ["127.0.0.1"]]})
    async with fetcher_with(resolver, tripwire) as fetcher:
        for _ in range(2):
            with pytest.raises(FetchError) as caught:
                await fetcher.get(f"http://rebind.example:{bird.port}/")
            # The tripwire stands in for an unreachable public host; the second get either
            # reuses the checked answer or is refused, never connects to loopback.
            assert caught.value.code in (ErrorCode.FETCH_FAILED, ErrorCode.ADDRESS_REFUSED)
    assert bird.connections == 0
    assert set(tripwire.attempts) == {PUBLIC_IP}


async def test_allowed_name_may_resolve_to_loopback(
    tripwire: Tripwire, canary: StartCanary
) -> None:
    """An allow-listed name skips the address check and reaches the address it resolved to."""
    bird = await canary()
    resolver = FakeResolver({"issuer.test": [["127.0.0.1"]]})
    async with fetcher_with(resolver, tripwire, allow=f"issuer.test:{bird.port}") as fetcher:
        response = await fetcher.get(f"http://issuer.test:{bird.port}/")
        with pytest.raises(FetchError) as caught:
            await fetcher.get(f"http://issuer.test:{bird.port + 1}/")
    assert response.body == b"hi"
    assert caught.value.code is ErrorCode.ADDRESS_REFUSED
    assert bird.connections == 1
    assert tripwire.attempts == ["127.0.0.1"]


async def test_unresolvable_name_is_fetch_failed(tripwire: Tripwire) -> None:
    """A name with no answer is FETCH_FAILED naming the host."""
    async with fetcher_with(FakeResolver({}), tripwire) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get("https://nowhere.example/a?token=SECRET")
    assert caught.value.code is ErrorCode.FETCH_FAILED
    assert "nowhere.example" in caught.value.message
    assert "SECRET" not in caught.value.message
    assert tripwire.attempts == []


async def test_resolver_returning_garbage_is_fetch_failed(tripwire: Tripwire) -> None:
    """A resolver answer that is not an IP address fails the fetch instead of connecting."""
    resolver = FakeResolver({"odd.example": [["not-an-ip"]]})
    async with fetcher_with(resolver, tripwire) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get("https://odd.example/")
    assert caught.value.code in (ErrorCode.FETCH_FAILED, ErrorCode.ADDRESS_REFUSED)
    assert tripwire.attempts == []


async def test_ip_literal_hosts_never_reach_the_resolver(tripwire: Tripwire) -> None:
    """A private IP literal is refused before any lookup or connection."""
    resolver = FakeResolver({})
    async with fetcher_with(resolver, tripwire) as fetcher:
        for url in (
            "http://10.1.2.3/",
            "http://[fe80::1%25eth0]/",
            "http://169.254.169.254/latest",
        ):
            with pytest.raises(FetchError) as caught:
                await fetcher.get(url)
            assert caught.value.code is ErrorCode.ADDRESS_REFUSED
    assert resolver.calls == []
    assert tripwire.attempts == []
