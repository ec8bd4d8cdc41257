"""Which hosts and addresses a badge may make Badgekeeper contact: pure rules, no I/O.

Rules:
- Only globally routable unicast addresses are public. ``ipaddress``' ``is_global`` is the base,
  and the ranges it misses or that moved between Python versions (multicast, CGNAT, 192.0.0/24,
  benchmarking, documentation, 6to4 relays, IETF protocol assignments) are refused explicitly.
- An IPv6 address that embeds an IPv4 one (mapped ``::ffff:a.b.c.d``, compatible ``::a.b.c.d``,
  6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``) is judged by the IPv4 address it carries.
- Everything else in IPv6 must sit in global unicast ``2000::/3``; ULA, link-local, site-local and
  multicast never do.
- ``BADGEKEEPER_ALLOW_HOSTS`` entries match the URL's host exactly as written: names
  case-insensitively, IP literals by value (``[::1]`` equals ``[0::1]``), never a name against an
  address (``127.0.0.1`` does not open ``localhost``). An entry without a port matches any port.
- A host that aiohttp would treat as an address without asking the resolver (it contains ``:`` or
  is only digits and dots) must parse as a canonical IP address, or it is refused.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_REFUSED_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", incl. the unspecified address
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, incl. cloud metadata 169.254.169.254
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, incl. broadcast 255.255.255.255
    )
)

_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_REFUSED_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
    )
)
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def parse_ip(text: str) -> IPAddress | None:
    """The address ``text`` names (IPv6 zone ids allowed, percent-encoded or not), else None."""
    candidate = unquote(text.strip())
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and would reach, if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64_WELL_KNOWN or address in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_public_v4(address: ipaddress.IPv4Address) -> bool:
    if any(address in net for net in _REFUSED_V4):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def _is_public_v6(address: ipaddress.IPv6Address) -> bool:
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return _is_public_v4(embedded)
    if address not in _GLOBAL_UNICAST_V6 or any(address in net for net in _REFUSED_V6):
        return False
    return address.is_global and not (
        address.is_multicast or address.is_site_local or address.is_link_local
    )


def is_public_address(ip: str) -> bool:
    """True only for a globally routable unicast address; anything unparsable is not public."""
    address = parse_ip(ip)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return _is_public_v4(address)
    return _is_public_v6(address)


def looks_like_ip_literal(host: str) -> bool:
    """True when aiohttp would connect to ``host`` without asking the resolver.

    Mirrors ``aiohttp.helpers.is_ip_address``: a colon, or nothing but digits and dots.
    """
    return ":" in host or host.replace(".", "").isdigit()


def _canonical_name(name: str) -> str:
    """A host name as yarl spells it on the wire: lower case, IDNA-encoded."""
    lowered = name.strip().lower()
    try:
        return lowered.encode("idna").decode("ascii")
    except UnicodeError:
        return lowered


@dataclass(frozen=True)
class AllowEntry:
    """One ``host[:port]`` entry: an IP literal or a name, and the port (None = any)."""

    name: str | None
    address: IPAddress | None
    port: int | None

    def matches(self, host: str, port: int | None) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.address is not None:
            return parse_ip(host) == self.address
        if looks_like_ip_literal(host) or parse_ip(host) is not None:
            return False
        return _canonical_name(host) == self.name


@dataclass(frozen=True)
class AllowList:
    """Hosts that may be reached although they resolve to non-public addresses.

    ``invalid`` keeps the entries that could not be read, so the caller can warn about them.
    """

    entries: tuple[AllowEntry, ...] = ()
    invalid: tuple[str, ...] = ()

    def permits(self, host: str, port: int | None) -> bool:
        """True when some entry names this host (and this port, or no port)."""
        return any(entry.matches(host, port) for entry in self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


def _parse_port(text: str) -> int | None:
    if not text.isdigit() or len(text) > 5 or not 0 < int(text) < 65536:
        raise ValueError(text)
    return int(text)


def _parse_entry(text: str) -> AllowEntry:
    """Read one entry; raises ValueError for anything that is not ``host[:port]``."""
    port: int | None = None
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            raise ValueError(text)
        host, rest = text[1:close], text[close + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(text)
            port = _parse_port(rest[1:])
        address = parse_ip(host)
        if not isinstance(address, ipaddress.IPv6Address):
            raise ValueError(text)
        return AllowEntry(name=None, address=address, port=port)
    if text.count(":") > 1:
        # A bare IPv6 address cannot carry a port; accept it when it parses.
        bare = parse_ip(text)
        if bare is None:
            raise ValueError(text)
        return AllowEntry(name=None, address=bare, port=None)
    host, sep, port_text = text.partition(":")
    if sep:
        port = _parse_port(port_text)
    if not host or any(ch.isspace() or ch in "/@?#[]" for ch in host):
        raise ValueError(text)
    address = parse_ip(host) if looks_like_ip_literal(host) else None
    if looks_like_ip_literal(host) and not isinstance(address, ipaddress.IPv4Address):
        raise ValueError(text)
    if address is not None:
        return AllowEntry(name=None, address=address, port=port)
    return AllowEntry(name=_canonical_name(host), address=None, port=port)


def parse_allow_hosts(text: str) -> AllowList:
    """Read ``host[:port],…`` (whitespace around entries ignored, empty entries skipped)."""
    entries: list[AllowEntry] = []
    invalid: list[str] = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            entries.append(_parse_entry(item))
        except ValueError:
            invalid.append(item)
    return AllowList(entries=tuple(entries), invalid=tuple(invalid))
