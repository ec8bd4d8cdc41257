"""A harness for backpack tests: the sandbox (issuer + backpack) on loopback, and a library,
keeper and BackpackService in this test's home, with a fake clock and no jitter."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest

from agent.backpack.backoff import RetryPolicy
from agent.backpack.http import BackpackHttp
from agent.backpack.service import BackpackService
from agent.fetch.client import SafeFetcher
from agent.fetch.guard import parse_allow_hosts
from agent.keeper import BadgeKeeper
from agent.library import AsyncLibrary
from agent.paths import resolve_paths
from agent.sandbox.backpack import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    Sandbox,
    approve_in_browser,
    run_sandbox,
)
from agent.sandbox.issuer import IssuedBadge
from tests.support.recording import RecordingSink, SettableClock

EARNER = DEMO_EMAIL


@dataclass
class Harness:
    """The sandbox and Badgekeeper's side of it."""

    sandbox: Sandbox
    library: AsyncLibrary
    keeper: BadgeKeeper
    backpacks: BackpackService
    sink: RecordingSink
    clock: SettableClock

    async def save(self, badge: IssuedBadge) -> str:
        outcome = await self.keeper.save_bytes(badge.image, _source())
        return outcome.badge.id

    def issue(self, kind: str = "ob2-hosted", recipient: str = EARNER) -> IssuedBadge:
        makers = {
            "ob2-hosted": lambda i: i.issue_ob2_hosted(recipient),
            "ob2-signed": lambda i: i.issue_ob2_signed(recipient),
            "ob3-jwt": lambda i: i.issue_ob3_jwt(recipient),
            "ob3-di": lambda i: i.issue_ob3_data_integrity(recipient, svg=False),
        }
        return self.sandbox.issue(makers[kind], recipient)

    async def add_and_connect(self, name: str, kind: str = "badge-connect") -> dict[str, Any]:
        url = self.sandbox.backpack.base_url
        if kind == "badgr":
            return await self.backpacks.add(
                name, kind, url, username=EARNER, password=DEMO_PASSWORD, default=True
            )
        await self.backpacks.add(name, kind, url, default=True)
        return await self.connect(name)

    async def connect(self, name: str) -> dict[str, Any]:
        started = await self.backpacks.begin_connect(name)
        await approve_in_browser(started["authorization_url"], email=EARNER, password=DEMO_PASSWORD)
        return await self.backpacks.wait_connected(name, 10)

    async def upload_state(self, badge_id: str, backpack: str) -> dict[str, Any]:
        uploads = {u.backpack: u for u in await self.library.uploads(badge_id)}
        return {"badge_id": badge_id, **uploads[backpack].to_json()}


def _source() -> Any:
    from agent.library import SourceInfo

    return SourceInfo(mail_subject="You earned a badge")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with run_sandbox() as running:
        yield running


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc))


@pytest.fixture
async def harness(sandbox: Sandbox, clock: SettableClock) -> AsyncIterator[Harness]:
    """Library, keeper and backpacks for this test's home; HTTP timeouts short for fault tests."""
    paths = resolve_paths()
    sink = RecordingSink()
    policy = RetryPolicy(max_attempts=4, base=2.0, cap=60.0, jitter=lambda: 0.0)
    async with (
        AsyncLibrary(paths) as library,
        SafeFetcher(allow_hosts=parse_allow_hosts(sandbox.issuer_host)) as fetcher,
        BackpackService(
            paths,
            library,
            sink,
            http=BackpackHttp(timeout=1.0),
            policy=policy,
            clock=clock,
            connect_timeout=10.0,
        ) as backpacks,
    ):
        await library.add_email(EARNER)
        keeper = BadgeKeeper(library, fetcher, events=sink)
        yield Harness(sandbox, library, keeper, backpacks, sink, clock)
