"""The method table called in-process, as the CLI does when no agent runs."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.client import LocalCaller, connect_or_local
from agent.errors import BadgekeeperError, ErrorCode
from agent.paths import resolve_paths
from agent.rpc.events import EVENTS
from agent.rpc.methods import TABLE, dispatch
from agent.rpc.protocol import ProtocolError
from agent.rpc.services import AgentServices
from agent.sandbox.issuer_app import IssuerServer, run_issuer
from agent.server.events import EventBus
from agent.server.services import open_services

ROOT = Path(__file__).resolve().parents[2]
EARNER = "earner@example.org"


@pytest.fixture
async def issuer() -> AsyncIterator[IssuerServer]:
    async with run_issuer() as server:
        yield server


@pytest.fixture
async def services(
    issuer: IssuerServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AgentServices]:
    """The services of the test's home, able to fetch from the loopback issuer."""
    monkeypatch.setenv("BADGEKEEPER_ALLOW_HOSTS", "127.0.0.1")
    async with open_services(resolve_paths()) as opened:
        yield opened


async def test_in_process_dispatch_saves_and_lists_like_the_agent(
    services: AgentServices, issuer: IssuerServer
) -> None:
    """dispatch runs the same handlers: a save is listed, with its verdict."""
    await dispatch(services, "emails.add", {"address": EARNER})
    issued = issuer.issuer.issue_ob2_hosted(EARNER)
    data = base64.b64encode(issued.image).decode()
    saved = await dispatch(services, "badge.save", {"data": data})
    assert saved["verdict"]["status"] == "valid"
    page = await dispatch(services, "badge.list", None)
    assert [item["id"] for item in page["items"]] == [saved["badge"]["id"]]


async def test_in_process_dispatch_refuses_unknown_methods_and_keys(
    services: AgentServices,
) -> None:
    """Unknown methods are -32601 and unknown keys -32602, before any handler runs."""
    with pytest.raises(ProtocolError) as raised:
        await dispatch(services, "badge.teleport", {})
    assert raised.value.rpc_code == -32601
    with pytest.raises(ProtocolError) as raised:
        await dispatch(services, "collections.create", {"name": "A", "colour": "red"})
    assert raised.value.rpc_code == -32602
    assert (await dispatch(services, "collections.list", {}))["collections"] == []
    with pytest.raises(ProtocolError):
        await dispatch(services, "collections.list", ["positional"])


async def test_changes_are_published_to_the_event_sink(tmp_path: Path) -> None:
    """settings and collections changes reach the bus; badge errors publish nothing."""
    bus = EventBus()
    async with open_services(resolve_paths(), events=bus) as services:
        with bus.subscription() as events:
            await dispatch(services, "emails.add", {"address": EARNER})
            await dispatch(services, "collections.create", {"name": "Mine"})
            with pytest.raises(BadgekeeperError) as raised:
                await dispatch(services, "badge.delete", {"id": "abcd1234"})
            assert raised.value.code is ErrorCode.BADGE_NOT_FOUND
            published = [events.queue.get_nowait() for _ in range(events.queue.qsize())]
    assert ['"method":"settings.changed"' in text for text in published] == [True, False]
    assert '"method":"collections.changed"' in published[1]


async def test_without_an_agent_calls_run_in_process() -> None:
    """connect_or_local falls back to the same handlers on the same library."""
    async with connect_or_local(timeout=2) as caller:
        assert isinstance(caller, LocalCaller)
        created = await caller.call("collections.create", {"name": "Local"})
        assert created["collection"]["name"] == "Local"
        with pytest.raises(ProtocolError) as raised:
            await caller.call("badge.list", {"status": ("valid",), "limit": 0})
        assert raised.value.param == "limit"  # a tuple travels as a list, as on the wire
    async with connect_or_local(timeout=2) as caller:
        listed = await caller.call("collections.list")
        assert [c["name"] for c in listed["collections"]] == ["Local"]


def test_every_method_and_event_is_documented() -> None:
    """docs/PROTOCOL.md has a section for every method and every event."""
    text = (ROOT / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#### `([a-z.]+)`", text, flags=re.MULTILINE))
    assert set(TABLE) - headings == set()
    assert set(EVENTS) - headings == set()


def test_method_names_are_dotted_and_params_declared() -> None:
    """Names are stable 'noun.verb' strings; each method declares the keys it takes."""
    for name, entry in TABLE.items():
        assert re.fullmatch(r"[a-z]+\.[a-z]+", name), name
        assert entry.name == name
        assert all(isinstance(key, str) for key in entry.params)
