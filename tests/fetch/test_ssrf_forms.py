"""SSRF through the real SafeFetcher: IPv6 and IPv4 spellings, and DNS answers that change.

Extends test_guard.py (the pure address table), test_resolution.py and test_client.py; forms those
already send through the fetcher are not repeated. Every fetcher here has an empty allow list and
an ``Internet`` socket factory (aiohttp's seam; see ssrf_support.py).
"""

from __future__ import annotations

import pytest

from agent.errors import ErrorCode, FetchError
from agent.fetch import SystemResolver
from tests.fetch.conftest import FakeResolver
from tests.fetch.ssrf_support import (
    ISSUER,
    PUBLIC_IP,
    UNROUTED_PUBLIC_IP,
    Internet,
    Issuer,
    StartCanary,
    guarded,
    issuer_dns,
    refused,
    refused_unconnected,
)

pytestmark = pytest.mark.timeout(30)


# --- IPv6 and IPv4 forms, as URL hosts and as DNS answers ---

# Each form, and what a connection to it reaches. All are refused: the guard judges an embedded
# IPv4 address by itself, and any other IPv6 address must be global unicast. test_client.py sends
# [::ffff:127.0.0.1], [::127.0.0.1] and [0:0:0:0:0:0:0:1] and test_resolution.py [fe80::1%25eth0]
# as URL hosts already.
IPV6_FORMS = {
    "::1": "loopback",
    "::ffff:7f00:1": "IPv4-mapped 127.0.0.1, hex spelling",
    "::ffff:a9fe:a9fe": "IPv4-mapped 169.254.169.254 (cloud metadata)",
    "::ffff:0:0": "IPv4-mapped 0.0.0.0",
    "::7f00:1": "IPv4-compatible 127.0.0.1",
    "64:ff9b::7f00:1": "NAT64 of 127.0.0.1",
    "64:ff9b::a9fe:a9fe": "NAT64 of 169.254.169.254 (cloud metadata)",
    "64:ff9b::a00:1": "NAT64 of 10.0.0.1",
    "2002:7f00:1::": "6to4 of 127.0.0.1",
    "2002:a9fe:a9fe::1": "6to4 of 169.254.169.254",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2": "Teredo (2001:0::/32)",
    "fe80::1%eth0": "link-local, zone id not percent-encoded",
    "fc00::1": "unique local",
    "fd00::1": "unique local",
    "fec0::1": "site-local (deprecated, never global)",
    "ff02::1": "multicast, all nodes on the link",
    "::": "unspecified: the local host on Linux",
}


@pytest.mark.parametrize("via", ["url-host", "dns-answer"])
@pytest.mark.parametrize("form", list(IPV6_FORMS))
async def test_ipv6_forms_are_refused_unconnected(
    internet: Internet, canary: StartCanary, form: str, via: str
) -> None:
    """An IPv6 host or AAAA answer reaching non-global space (embedded IPv4 too) is refused."""
    resolver = FakeResolver({"v6.example": [[form]]})
    host = f"[{form}]" if via == "url-host" else "v6.example"
    await refused_unconnected(internet, await canary(), host, resolver)
    assert resolver.calls == ([] if via == "url-host" else ["v6.example"])


# test_client.py sends 2130706433, 127.1 and 0177.0.0.1, test_resolution.py 10.1.2.3 and
# 169.254.169.254.
@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # Linux connects this to the local host
        "0",  # libc reads it as 0.0.0.0
        "017700000001",  # 127.0.0.1 in octal, one part
        "127.000.000.001",  # leading zeros: octal to libc, invalid to Python
        "100.64.0.1",  # carrier-grade NAT
        "198.18.0.1",  # benchmarking
        "255.255.255.255",  # broadcast
        "127.0.0.1.",  # trailing dot
        "0.0.0.0.",
        "127。0。0。1",  # ideographic full stops, which IDNA maps to dots
    ],
)
async def test_ipv4_literal_spellings_are_refused_unconnected(
    internet: Internet, canary: StartCanary, host: str
) -> None:
    """Numeric hosts aiohttp connects to directly are refused unless canonical and public."""
    resolver = FakeResolver({})
    await refused_unconnected(internet, await canary(), host, resolver)
    assert resolver.calls == []


@pytest.mark.parametrize("host", ["0x7f000001", "0X7F000001", "0x7f.0.0.1", "0x7f.1"])
async def test_hex_spellings_are_judged_by_what_libc_makes_of_them(
    internet: Internet, canary: StartCanary, host: str
) -> None:
    """Hex IPv4 is a name to aiohttp; the system resolver reads it as 127.0.0.1: refused."""
    await refused_unconnected(internet, await canary(), host, SystemResolver())


@pytest.mark.parametrize(
    ("host", "asked", "answer"),
    [
        ("localhost.", "localhost.", "127.0.0.1"),
        ("LOCALHOST", "localhost", "127.0.0.1"),
        ("LocalHost.", "localhost.", "::1"),
        ("127.0.0.1.nip.io", "127.0.0.1.nip.io", "127.0.0.1"),
        ("169.254.169.254.nip.io", "169.254.169.254.nip.io", "169.254.169.254"),
        ("0--1.sslip.io", "0--1.sslip.io", "::1"),
        ("a.b.rbndr.us", "a.b.rbndr.us", "0.0.0.0"),
    ],
)
async def test_names_resolving_to_local_addresses_are_refused(
    internet: Internet, canary: StartCanary, host: str, asked: str, answer: str
) -> None:
    """Local names in any spelling are refused by their answer, whatever the name looks like."""
    resolver = FakeResolver({asked: [[answer]]})
    await refused_unconnected(internet, await canary(), host, resolver)
    assert resolver.calls == [asked]


# --- DNS answers that change between checks ---


async def test_answer_private_then_public_refuses_then_reaches_only_the_public_one(
    internet: Internet, issuer: Issuer
) -> None:
    """The reverse of rebinding: a refused answer is not cached, and the next is judged afresh."""
    resolver = issuer_dns(["127.0.0.1"], [PUBLIC_IP])
    async with guarded(internet, resolver) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(issuer.url("/a"))
        response = await fetcher.get(issuer.url("/a"))
    assert caught.value.code is ErrorCode.ADDRESS_REFUSED
    assert (response.status, response.body) == (200, b"/a")
    assert (internet.attempts, resolver.calls) == ([PUBLIC_IP], [ISSUER, ISSUER])


async def test_answer_public_then_private_keeps_the_checked_answer(
    internet: Internet, issuer: Issuer, canary: StartCanary
) -> None:
    """Rebinding against a live issuer: later gets reuse the judged answer, never loopback."""
    bird = await canary()
    resolver = issuer_dns([PUBLIC_IP], ["127.0.0.1"])
    async with guarded(internet, resolver) as fetcher:
        bodies = [(await fetcher.get(issuer.url(f"/{n}"))).body for n in range(3)]
    assert bodies == [b"/0", b"/1", b"/2"]
    assert resolver.calls == [ISSUER]  # aiohttp's DNS cache holds the judged answer
    assert internet.only_public and bird.connections == 0


# test_resolution.py pins [public, 192.168.1.1] and [2606:4700::1111, ::1].
@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1", PUBLIC_IP],
        [PUBLIC_IP, "fd00::1"],
        [PUBLIC_IP, "::ffff:10.0.0.1"],
        [PUBLIC_IP, "64:ff9b::a9fe:a9fe"],
        ["2606:4700:4700::1111", "169.254.169.254"],
        [PUBLIC_IP, UNROUTED_PUBLIC_IP, "2606:4700:4700::1111", "0.0.0.0"],
        [PUBLIC_IP, PUBLIC_IP, "fe80::1%2"],
    ],
)
async def test_mixed_answers_are_refused_whole(
    internet: Internet, issuer: Issuer, answers: list[str]
) -> None:
    """One non-public A or AAAA record among public ones refuses the name: nothing is contacted."""
    await refused(internet, issuer_dns(answers), issuer.url("/a"), ErrorCode.ADDRESS_REFUSED)
    assert (issuer.hits.total(), internet.attempts) == (0, [])


async def test_public_answers_are_the_only_connection_targets(
    internet: Internet, issuer: Issuer
) -> None:
    """With several public answers, connections go to those answers in turn and nowhere else."""
    async with guarded(internet, issuer_dns([UNROUTED_PUBLIC_IP, PUBLIC_IP])) as fetcher:
        response = await fetcher.get(issuer.url("/a"))
    assert response.body == b"/a"
    assert internet.attempts == [UNROUTED_PUBLIC_IP, PUBLIC_IP]


async def test_rebinding_between_redirect_hops_is_refused(
    internet: Internet, issuer: Issuer, canary: StartCanary
) -> None:
    """A hop to the same name on another port is resolved again; its loopback answer is refused."""
    bird = await canary()
    issuer.redirect("/first", f"http://{ISSUER}:{bird.port}/second")
    resolver = issuer_dns([PUBLIC_IP], ["127.0.0.1"])
    await refused(internet, resolver, issuer.url("/first"), ErrorCode.ADDRESS_REFUSED)
    assert (resolver.calls, issuer.hits["/first"]) == ([ISSUER, ISSUER], 1)
    assert (bird.connections, internet.attempts) == (0, [PUBLIC_IP])


async def test_redirect_hop_to_the_same_host_uses_the_checked_answer(
    internet: Internet, issuer: Issuer, canary: StartCanary
) -> None:
    """A same-host hop after the name turned to loopback goes to the address judged at hop one."""
    bird = await canary()
    issuer.redirect("/first", issuer.url("/second"))
    resolver = issuer_dns([PUBLIC_IP], ["127.0.0.1"])
    async with guarded(internet, resolver) as fetcher:
        response = await fetcher.get(issuer.url("/first"))
    assert (response.body, response.url) == (b"/second", issuer.url("/second"))
    assert resolver.calls == [ISSUER]
    assert internet.only_public and bird.connections == 0
