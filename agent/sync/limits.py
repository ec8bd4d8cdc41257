"""A fetcher that keeps a sync run polite: a per-host rate limit in front of the real fetcher.

Rules:
- At most ``per_host`` requests to one host at a time (so the rate follows the host's own
  speed), and, when ``spacing`` is set, request starts to one host spaced by that many
  seconds; other hosts are not held up.
- Only the sync engine wraps its fetcher this way; saving a badge the user is waiting for is
  never slowed.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from agent.fetch.model import ACCEPT_JSON_LD, MAX_JSON_BYTES, Fetcher, FetchResponse

DEFAULT_PER_HOST = 4
# Off by default: the wrapper sees cache hits too (it sits outside the fetcher's cache), so a
# spacing would slow the many cached lookups of a batch; the in-flight cap already makes the
# rate follow the issuer's own response time.
DEFAULT_SPACING = 0.0


class _HostGate:
    def __init__(self, per_host: int) -> None:
        self.slots = asyncio.Semaphore(per_host)
        self.start_lock = asyncio.Lock()
        self.last_start = float("-inf")


class HostLimitedFetcher:
    """A :class:`Fetcher` that limits requests per host (host:port, as the URL names it)."""

    def __init__(
        self,
        inner: Fetcher,
        *,
        per_host: int = DEFAULT_PER_HOST,
        spacing: float = DEFAULT_SPACING,
    ) -> None:
        self.inner = inner
        self._per_host = max(1, per_host)
        self._spacing = max(0.0, spacing)
        self._gates: dict[str, _HostGate] = {}

    def _gate(self, url: str) -> _HostGate:
        try:
            host = urlsplit(url).netloc.lower()
        except ValueError:
            host = ""  # the inner fetcher refuses the URL with a typed error
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = _HostGate(self._per_host)
        return gate

    async def get(
        self, url: str, *, accept: str = ACCEPT_JSON_LD, max_bytes: int = MAX_JSON_BYTES
    ) -> FetchResponse:
        gate = self._gate(url)
        async with gate.slots:
            if self._spacing > 0:
                async with gate.start_lock:
                    loop = asyncio.get_running_loop()
                    wait = gate.last_start + self._spacing - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    gate.last_start = loop.time()
            return await self.inner.get(url, accept=accept, max_bytes=max_bytes)
