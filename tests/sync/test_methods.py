"""sync.run / sync.status through the method table, the schedule, and `badgekeeper sync`."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent.cli import main
from agent.rpc.methods import dispatch
from agent.sync import engine_for, install_engine
from tests.sync.conftest import EARNER, SyncHarness

pytestmark = pytest.mark.timeout(60)


async def test_sync_run_answers_the_summary(harness: SyncHarness) -> None:
    """sync.run returns {checked, changed, unreachable, uploads, pulled}; status shows it."""
    install_engine(harness.engine())
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    await harness.save(badge)
    result = await dispatch(harness.services, "sync.run", {"force": True})
    assert {k: result[k] for k in ("checked", "changed", "unreachable", "uploads", "pulled")} == {
        "checked": 1,
        "changed": 0,
        "unreachable": 0,
        "uploads": 0,
        "pulled": 0,
    }
    status = await dispatch(harness.services, "sync.status", None)
    assert status["running"] is False
    assert status["last_run"]["checked"] == 1
    assert status["interval_minutes"] == 60


async def test_hello_lists_sync_methods_and_events(harness: SyncHarness) -> None:
    """agent.hello names sync.run, sync.status and the sync events."""
    hello = await dispatch(harness.services, "agent.hello", None)
    assert {"sync.run", "sync.status"} <= set(hello["methods"])
    assert {"sync.progress", "badge.revoked", "badge.expiring"} <= set(hello["events"])


async def test_engine_for_is_shared(harness: SyncHarness) -> None:
    """The RPC methods and the schedule share one engine per set of services."""
    assert engine_for(harness.services) is engine_for(harness.services)


async def test_schedule_follows_the_interval_preference(harness: SyncHarness) -> None:
    """The agent's loop runs, then waits sync_interval_minutes (±10 %) before the next run."""
    await harness.services.library.set_setting("sync_interval_minutes", 30)
    engine = harness.engine(rng=lambda: 0.5)
    waits: list[float] = []

    async def waiter(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await engine.run_forever(waiter)
    assert waits[1:] == [1800.0, 1800.0]
    assert len(harness.sink.named("sync.done")) == 2


def test_cli_sync_without_an_agent_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`badgekeeper sync --json` runs here when no agent runs, and prints the summary."""
    assert main(["sync", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["checked"] == 0
    assert set(summary) >= {"checked", "changed", "unreachable", "uploads", "pulled"}


def test_cli_sync_text_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """`badgekeeper sync` prints a readable summary."""
    assert main(["sync", "--force"]) == 0
    assert "Checked 0 badge(s)" in capsys.readouterr().out
