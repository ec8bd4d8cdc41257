"""A harness for sync tests: the sandbox (issuer + backpack) on loopback, real services for
this test's home, a settable clock, no jitter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import pytest

from agent.backpack.http import BackpackHttp
from agent.backpack.service import BackpackService
from agent.fetch.client import SafeFetcher
from agent.fetch.guard import parse_allow_hosts
from agent.fetch.model import Fetcher
from agent.keeper import BadgeKeeper
from agent.library import AsyncLibrary, SourceInfo
from agent.paths import resolve_paths
from agent.rpc.services import AgentServices
from agent.sandbox.backpack import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    Sandbox,
    approve_in_browser,
    run_sandbox,
)
from agent.sandbox.issuer import Document, IssuedBadge
from agent.sync import SyncEngine
from tests.support.recording import RecordingSink, SettableClock

EARNER = DEMO_EMAIL


@dataclass
class SyncHarness:
    sandbox: Sandbox
    services: AgentServices
    sink: RecordingSink
    clock: SettableClock
    fetcher_factory: Callable[[], AbstractAsyncContextManager[Fetcher]]

    def engine(self, **options: Any) -> SyncEngine:
        options.setdefault("fetcher_factory", self.fetcher_factory)
        options.setdefault("jitter", 0.0)
        options.setdefault("deadline", 5.0)
        return SyncEngine(self.services, clock=self.clock, **options)

    async def save(self, badge: IssuedBadge) -> str:
        outcome = await self.services.keeper.save_bytes(
            badge.image, SourceInfo(mail_subject="You earned a badge")
        )
        return outcome.badge.id

    async def connect(self, name: str, kind: str = "badge-connect") -> None:
        """Add and connect a sandbox backpack: Badgr by password, others by the consent page."""
        backpacks = self.services.backpacks
        url = self.sandbox.backpack.base_url
        if kind == "badgr":
            await backpacks.add(name, kind, url, username=EARNER, password=DEMO_PASSWORD)
            return
        await backpacks.add(name, kind, url)
        started = await backpacks.begin_connect(name)
        await approve_in_browser(started["authorization_url"], email=EARNER, password=DEMO_PASSWORD)
        await backpacks.wait_connected(name, 10)

    def publish(self, badge: IssuedBadge, document: Document) -> None:
        path = badge.assertion_id.removeprefix(self.sandbox.issuer.base_url)
        self.sandbox.issuer.issuer.documents[path] = document


@pytest.fixture
async def harness() -> AsyncIterator[SyncHarness]:
    """Library, keeper, backpacks and an engine factory for this test's home."""
    clock = SettableClock()
    paths = resolve_paths()
    sink = RecordingSink()
    async with run_sandbox() as sandbox:
        allow = parse_allow_hosts(sandbox.issuer_host)

        def fetcher_factory() -> AbstractAsyncContextManager[Fetcher]:
            return SafeFetcher(allow_hosts=allow, cache_dir=paths.http_cache, timeout=1.0)

        async with (
            AsyncLibrary(paths, clock=clock) as library,
            SafeFetcher(allow_hosts=allow) as fetcher,
            BackpackService(
                paths, library, sink, http=BackpackHttp(timeout=1.0), clock=clock
            ) as backpacks,
        ):
            await library.add_email(EARNER)
            keeper = BadgeKeeper(library, fetcher, events=sink, clock=clock)
            services = AgentServices(
                library=library,
                keeper=keeper,
                fetcher=fetcher,
                events=sink,
                paths=paths,
                backpacks=backpacks,
            )
            yield SyncHarness(sandbox, services, sink, clock, fetcher_factory)
