"""The fetcher seam: what the verifier asks of the network, and what it gets back.

The verifier never reaches for the network itself; it is handed a :class:`Fetcher`. The real one
(``agent.fetch.client.SafeFetcher``) guards addresses, caps sizes and caches; tests and benchmarks
may hand it another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

ACCEPT_JSON_LD = "application/ld+json, application/json"
MAX_JSON_BYTES = 1_000_000
MAX_IMAGE_BYTES = 10_000_000


@dataclass(frozen=True)
class FetchResponse:
    """One HTTP answer, any status. ``url`` is the final URL after redirects."""

    url: str
    status: int
    content_type: str  # media type, lower case, without parameters ("" when absent)
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    from_cache: bool = False


class Fetcher(Protocol):
    """Fetches a URL for the verifier.

    Returns the response for any HTTP status (the verifier reads 404 and 410 itself). Raises
    :class:`agent.errors.FetchError` for everything that is not an HTTP answer: a refused
    address or scheme, a timeout, a connection failure, too many redirects, a body over
    ``max_bytes``.
    """

    async def get(
        self, url: str, *, accept: str = ACCEPT_JSON_LD, max_bytes: int = MAX_JSON_BYTES
    ) -> FetchResponse: ...
