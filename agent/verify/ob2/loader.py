"""Fetching the documents of one badge: each URL once, and early when it can be guessed.

Rules:
- One loader per verification. A URL asked for twice (a speculative fetch, then the real need)
  is fetched once; both callers share the answer.
- ``prefetch`` starts a fetch without waiting: the hosted flow starts the badge class named by
  the embedded copy of an assertion while the real assertion is still on its way, so a cold
  hosted badge costs two round trips instead of three. A guess that turns out wrong is simply
  never awaited.
- The loader owns every fetch it starts: leaving the ``async with`` block cancels and awaits
  what is still running, so nothing outlives the verification.
- Only http(s) URLs are fetched (``require_fetchable``); everything goes through the fetcher.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from agent.fetch.model import ACCEPT_JSON_LD, MAX_JSON_BYTES, Fetcher, FetchResponse
from agent.verify.documents import json_from_response, require_fetchable
from agent.verify.ob2.nodes import Node, is_http_url


class DocumentLoader:
    """Fetches the documents of one badge through the fetcher, each URL at most once."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher
        self._fetches: dict[str, asyncio.Task[FetchResponse]] = {}

    async def __aenter__(self) -> DocumentLoader:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        tasks = list(self._fetches.values())
        for task in tasks:
            if not task.done():
                task.cancel()
        # Collect every outcome, so an unused guess that failed is not logged as lost.
        await asyncio.gather(*tasks, return_exceptions=True)

    def _start(self, url: str) -> asyncio.Task[FetchResponse]:
        task = self._fetches.get(url)
        if task is None:
            task = asyncio.get_running_loop().create_task(
                self._fetcher.get(url, accept=ACCEPT_JSON_LD, max_bytes=MAX_JSON_BYTES)
            )
            self._fetches[url] = task
        return task

    def prefetch(self, url: object) -> None:
        """Start fetching ``url`` if it is an http(s) URL; never waits, never fails."""
        if isinstance(url, str) and is_http_url(url):
            self._start(url.strip())

    async def response(self, url: str) -> FetchResponse:
        """The response for ``url`` (any HTTP status); FetchError when there is no answer."""
        require_fetchable(url)
        return await self._start(url.strip())

    async def json_node(self, url: str, *, what: str) -> tuple[Node, FetchResponse]:
        """The JSON object at ``url``, or the typed error that says why there is none."""
        response = await self.response(url)
        return json_from_response(response, what=what), response

    @property
    def requested(self) -> list[str]:
        """Every URL this loader asked the fetcher for, in order."""
        return list(self._fetches)
