"""Sync through a real running agent: `badgekeeper sync` talks to it, other clients see events."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.sandbox.issuer_app import IssuerServer
from tests.agent.conftest import ROOT, AgentProcess, serve_environment
from tests.agent.conftest import start_agent_process as start
from tests.agent.support import next_event, save
from tests.support.issuer_thread import IssuerThread

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def issuer() -> Iterator[IssuerServer]:
    with IssuerThread() as server:
        yield server


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[AgentProcess]:
    running = start(tmp_path / "home")
    yield running
    assert running.stop() == 0, running.stderr_path.read_text(errors="replace")


async def test_cli_sync_runs_in_the_agent_and_publishes_progress(
    agent: AgentProcess, issuer: IssuerServer
) -> None:
    """`badgekeeper sync --force --json` runs in the agent; a watching client gets sync events."""
    client = await agent.client()
    async with client:
        await client.call("emails.add", {"address": "ada@example.org"})
        await save(client, issuer.issuer.issue_ob2_hosted("ada@example.org"))
        stream = client.events()
        command = [sys.executable, "-m", "agent.cli", "sync", "--force", "--json"]
        done = await asyncio.to_thread(
            subprocess.run,
            command,
            env=serve_environment(agent.home, "127.0.0.1"),
            cwd=ROOT,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        assert (summary["checked"], summary["changed"]) == (1, 0)
        progress = await next_event(stream, "sync.progress")
        assert set(progress) == {"done", "total", "phase"}
        finished = await next_event(stream, "sync.done")
        assert finished["checked"] == 1
        status = await client.call("sync.status")
        assert status["last_run"]["checked"] == 1
