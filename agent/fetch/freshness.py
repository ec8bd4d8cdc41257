"""How long a cached answer may be served without asking the server: pure rules over headers.

Rules (RFC 9111, for a private cache):
- ``Cache-Control: no-store`` (or ``Vary: *``) means the answer is never stored.
- ``no-cache`` stores the answer but it must be revalidated before every use.
- ``max-age`` (minus ``Age``) wins over ``Expires``; an unreadable ``Expires`` means already stale.
  ``private`` and ``s-maxage`` change nothing for a cache that serves one user.
- An answer with none of these has no *explicit* freshness; the cache may give it a heuristic one
  (see :mod:`agent.fetch.cache`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Freshness:
    """What the headers of an answer say about caching it.

    ``fresh_until`` is a POSIX time, or None when the server said nothing about freshness.
    """

    storable: bool
    fresh_until: float | None


def cache_directives(value: str) -> dict[str, str]:
    """``Cache-Control`` as ``{directive: argument}`` (names lower case, quotes removed)."""
    directives: dict[str, str] = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            directives[name.strip().lower()] = argument.strip().strip('"')
    return directives


def _http_date(value: str) -> float | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()


def _seconds(value: str) -> int | None:
    text = value.strip()
    if not text.isdigit() or len(text) > 12:
        return None
    return int(text)


def freshness_of(headers: Mapping[str, str], now: float) -> Freshness:
    """Read ``Cache-Control``, ``Age``, ``Expires``, ``Date`` and ``Vary`` of an answer."""
    directives = cache_directives(headers.get("Cache-Control", ""))
    if "no-store" in directives or headers.get("Vary", "").strip() == "*":
        return Freshness(storable=False, fresh_until=None)
    if "no-cache" in directives:
        return Freshness(storable=True, fresh_until=now)
    age = _seconds(headers.get("Age", "")) or 0
    if "max-age" in directives:
        max_age = _seconds(directives["max-age"])
        return Freshness(storable=True, fresh_until=now + (max_age or 0) - age)
    expires_text = headers.get("Expires")
    if expires_text is not None:
        expires = _http_date(expires_text)
        if expires is None:
            return Freshness(storable=True, fresh_until=now)
        # Measure the lifetime on the server's clock, so a skewed local clock does not matter.
        served = _http_date(headers.get("Date", "")) or now
        return Freshness(storable=True, fresh_until=now + (expires - served) - age)
    return Freshness(storable=True, fresh_until=None)
