"""The pure address and allow-list rules."""

from __future__ import annotations

import pytest

from agent.fetch.guard import is_public_address, looks_like_ip_literal, parse_allow_hosts

NOT_PUBLIC = [
    # IPv4 loopback, private, link-local, unspecified
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.0.1",
    "0.0.0.0",
    "0.1.2.3",
    # CGNAT, IETF, benchmarking, documentation, 6to4 relay
    "100.64.0.1",
    "100.127.255.254",
    "192.0.0.1",
    "192.0.0.9",
    "198.18.0.1",
    "198.19.255.255",
    "192.0.2.1",
    "198.51.100.7",
    "203.0.113.9",
    "192.88.99.1",
    # multicast, reserved, broadcast
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    # IPv6 loopback, unspecified, ULA, link-local (with zone), site-local, multicast
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "fe80::1%25eth0",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    # IPv4 inside IPv6: mapped, compatible, 6to4, NAT64, spelled many ways
    "::ffff:127.0.0.1",
    "::FFFF:7f00:1",
    "0:0:0:0:0:ffff:7f00:0001",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "::10.1.2.3",
    "2002:7f00:1::",
    "2002:a00:1::1",
    "2002:c0a8:101::1",
    "64:ff9b::127.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::8.8.8.8",
    # IETF, Teredo, documentation, outside global unicast
    "2001::1",
    "2001:0:4136:e378::1",
    "2001:2::1",
    "2001:10::1",
    "2001:db8::1",
    "3fff::1",
    "100::1",
    "4000::1",
    # not addresses at all
    "",
    "localhost",
    "example.com",
    "127.1",
    "2130706433",
    "0x7f.0.0.1",
    "0177.0.0.1",
    "1.2.3.4.5",
    "[::1]",
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.1",
    "198.17.255.255",
    "198.20.0.1",
    "223.255.255.254",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "2002:808:808::1",
    "64:ff9b::8.8.8.8",
]


@pytest.mark.parametrize("ip", NOT_PUBLIC)
def test_non_public_addresses_are_refused(ip: str) -> None:
    """Loopback, private, link-local, special and embedded-private forms are never public."""
    assert not is_public_address(ip)


@pytest.mark.parametrize("ip", PUBLIC)
def test_globally_routable_unicast_is_public(ip: str) -> None:
    """Ordinary internet addresses, including IPv4 embedded in IPv6, are public."""
    assert is_public_address(ip)


@pytest.mark.parametrize(
    ("host", "literal"),
    [
        ("127.0.0.1", True),
        ("2130706433", True),
        ("127.1", True),
        ("::1", True),
        ("fe80::1%25eth0", True),
        ("localhost", False),
        ("0x7f.0.0.1", False),
        ("issuer.example", False),
    ],
)
def test_ip_literal_detection_mirrors_aiohttp(host: str, literal: bool) -> None:
    """Hosts aiohttp would connect to without its resolver are recognised as literals."""
    assert looks_like_ip_literal(host) is literal


ALLOW_TABLE = [
    # (entries, host as yarl gives it, port, permitted)
    ("127.0.0.1", "127.0.0.1", 8080, True),
    ("127.0.0.1", "localhost", 8080, False),
    ("localhost", "127.0.0.1", 8080, False),
    ("localhost", "localhost", 80, True),
    ("LocalHost", "localhost", 80, True),
    ("localhost", "localhost.", 80, False),
    ("localhost:8080", "localhost", 8080, True),
    ("localhost:8080", "localhost", 8081, False),
    ("127.0.0.1:8080", "127.0.0.1", 80, False),
    ("127.0.0.1:8080, issuer.test", "issuer.test", 443, True),
    (" issuer.test ,,", "issuer.test", 443, True),
    ("issuer.test", "sub.issuer.test", 443, False),
    ("issuer.test", "issuer.test.evil", 443, False),
    ("[::1]:8080", "::1", 8080, True),
    ("[::1]:8080", "::1", 9090, False),
    ("[::1]", "::1", 9090, True),
    ("[0:0::1]", "::1", 9090, True),
    ("::1", "::1", 9090, True),
    ("[::1]", "127.0.0.1", 80, False),
    ("127.0.0.1", "::ffff:7f00:1", 80, False),
    ("[::ffff:127.0.0.1]", "::ffff:7f00:1", 80, True),
    ("bücher.test", "xn--bcher-kva.test", 80, True),
    ("2130706433", "2130706433", 80, False),
    ("", "localhost", 80, False),
]


@pytest.mark.parametrize(("text", "host", "port", "permitted"), ALLOW_TABLE)
def test_allow_list_matches_hosts_exactly_as_written(
    text: str, host: str, port: int, permitted: bool
) -> None:
    """Entries match by name (case-insensitively) or address value, with any port unless named."""
    assert parse_allow_hosts(text).permits(host, port) is permitted


@pytest.mark.parametrize(
    "entry",
    [
        "host:",
        "host:0",
        "host:65536",
        "host:http",
        "[::1",
        "[::1]x",
        "[127.0.0.1]",
        "a/b",
        "u@h",
        "127.1",
    ],
)
def test_unreadable_allow_entries_are_reported_not_used(entry: str) -> None:
    """A malformed entry opens nothing and is kept in ``invalid`` for a warning."""
    allow = parse_allow_hosts(f"{entry},good.test")
    assert allow.invalid == (entry,)
    assert len(allow.entries) == 1
    assert allow.permits("good.test", 80)


def test_empty_allow_list_is_falsy() -> None:
    """An unset or blank variable yields an empty list that permits nothing."""
    allow = parse_allow_hosts("  , ")
    assert not allow
    assert not allow.permits("localhost", 80)
