"""Sync's manners on the network: bounded concurrency, per-host limits, HTTP validators."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

from agent.fetch.model import ACCEPT_JSON_LD, MAX_JSON_BYTES, Fetcher, FetchResponse
from tests.sync.conftest import EARNER, SyncHarness

pytestmark = pytest.mark.timeout(60)


class CountingFetcher:
    """Counts requests in flight through the real fetcher (the seam sync limits)."""

    def __init__(self, inner: Fetcher) -> None:
        self.inner = inner
        self.in_flight = 0
        self.most = 0
        self.assertions_in_flight = 0  # one per badge being checked: each starts with its own
        self.most_assertions = 0

    async def get(
        self, url: str, *, accept: str = ACCEPT_JSON_LD, max_bytes: int = MAX_JSON_BYTES
    ) -> FetchResponse:
        assertion = "/ob2/assertions/" in url
        self.in_flight += 1
        self.assertions_in_flight += assertion
        self.most = max(self.most, self.in_flight)
        self.most_assertions = max(self.most_assertions, self.assertions_in_flight)
        try:
            return await self.inner.get(url, accept=accept, max_bytes=max_bytes)
        finally:
            self.in_flight -= 1
            self.assertions_in_flight -= assertion


async def _save_many(harness: SyncHarness, count: int) -> None:
    for _ in range(count):
        badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
        await harness.save(badge)


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_badges_checked_at_once_stay_bounded(harness: SyncHarness, concurrency: int) -> None:
    """No more badges are checked at once than the engine's concurrency."""
    await _save_many(harness, 12)
    harness.sandbox.issuer.delay = 0.02
    counters: list[CountingFetcher] = []

    @asynccontextmanager
    async def factory() -> Any:
        async with harness.fetcher_factory() as inner:
            counters.append(CountingFetcher(inner))
            yield counters[-1]

    engine = harness.engine(fetcher_factory=factory, concurrency=concurrency, per_host=64)
    summary = await engine.run(force=True)
    assert summary.checked == 12
    assert 1 <= counters[0].most_assertions <= concurrency


@pytest.mark.parametrize(("per_host", "bound"), [(1, 1), (2, 2)])
async def test_requests_per_host_stay_bounded(
    harness: SyncHarness, per_host: int, bound: int
) -> None:
    """No more requests to one host run at once than the per-host limit."""
    concurrency = 8
    await _save_many(harness, 12)
    harness.sandbox.issuer.delay = 0.02
    counters: list[CountingFetcher] = []

    @asynccontextmanager
    async def factory() -> Any:
        async with harness.fetcher_factory() as inner:
            counters.append(CountingFetcher(inner))
            yield counters[-1]

    engine = harness.engine(
        fetcher_factory=factory, concurrency=concurrency, per_host=per_host, spacing=0.0
    )
    summary = await engine.run(force=True)
    assert summary.checked == 12
    assert 1 <= counters[0].most <= bound


def _with_etags(
    handle: Callable[[web.Request], Awaitable[web.StreamResponse]], counts: dict[str, int]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The issuer's handler, plus an ETag on every 200 and 304 for a matching If-None-Match."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = await handle(request)
        if response.status != 200 or not isinstance(response, web.Response):
            return response
        body = response.body if isinstance(response.body, bytes) else b""
        tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == tag:
            counts["304"] += 1
            return web.Response(status=304, headers={"ETag": tag})
        counts["200"] += 1
        response.headers["ETag"] = tag
        return response

    return handler


async def test_an_unchanged_issuer_costs_only_conditional_requests(harness: SyncHarness) -> None:
    """A second run against an issuer with ETags gets 304s, never a full body again."""
    await _save_many(harness, 3)
    counts = {"200": 0, "304": 0}
    issuer = harness.sandbox.issuer
    issuer.handle = _with_etags(issuer.handle, counts)  # type: ignore[method-assign,assignment]
    first = await harness.engine().run(force=True)
    assert first.checked == 3
    full_bodies = counts["200"]
    assert full_bodies > 0
    second = await harness.engine().run(force=True)
    assert (second.checked, second.changed) == (3, 0)
    assert counts["200"] == full_bodies  # nothing fetched whole a second time
    assert counts["304"] > 0
