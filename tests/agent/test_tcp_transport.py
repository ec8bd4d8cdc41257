"""The Windows transport (loopback TCP, port file, Host check), run here in-process on TCP."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from agent.client import AgentClient
from agent.paths import Paths, resolve_paths
from agent.server.auth import bearer
from agent.server.endpoint import Endpoint
from agent.server.lifecycle import AgentOptions, run_agent
from agent.server.lock import InstanceLock
from agent.server.runtime_files import port_file, read_port, read_token
from agent.server.tasks import TaskOwner

pytestmark = pytest.mark.timeout(60)


@dataclass
class RunningAgent:
    paths: Paths
    endpoint: Endpoint
    stop: asyncio.Event


@pytest.fixture
async def tcp_agent() -> AsyncIterator[RunningAgent]:
    """run_agent on loopback TCP in this process, as on Windows; stopped after the test."""
    paths = resolve_paths()
    lock = InstanceLock(paths.lock_file)
    assert lock.acquire()
    stop, ready = asyncio.Event(), asyncio.Event()
    holder: list[Endpoint] = []

    def on_ready(endpoint: Endpoint) -> None:
        holder.append(endpoint)
        ready.set()

    options = AgentOptions(transport="tcp", handle_signals=False, grace=2)
    try:
        async with TaskOwner("test") as owner:
            running = owner.start(
                run_agent(paths, lock, options, stop=stop, on_ready=on_ready), name="agent"
            )
            await asyncio.wait_for(ready.wait(), 15)
            yield RunningAgent(paths, holder[0], stop)
            stop.set()
            await asyncio.wait_for(running, 15)
    finally:
        lock.release()


async def test_the_port_is_written_to_a_private_file(tcp_agent: RunningAgent) -> None:
    """The agent binds 127.0.0.1 on a free port and writes it, 0600, beside the token."""
    assert tcp_agent.endpoint.transport == "tcp"
    assert read_port(tcp_agent.paths) == tcp_agent.endpoint.port
    assert stat.S_IMODE(port_file(tcp_agent.paths).stat().st_mode) == 0o600
    assert tcp_agent.endpoint.describe() == f"127.0.0.1:{tcp_agent.endpoint.port}"


async def test_the_client_reaches_the_agent_over_tcp(tcp_agent: RunningAgent) -> None:
    """AgentClient finds the port and the token and calls methods over TCP."""
    async with await AgentClient.connect(tcp_agent.paths, transport="tcp") as client:
        assert (await client.call("agent.hello"))["protocol"] == 1


@pytest.mark.parametrize("host", ["rebind.evil.example", "127.0.0.2", "localhost.evil"])
async def test_a_rebinding_host_header_is_refused(tcp_agent: RunningAgent, host: str) -> None:
    """A page that reached 127.0.0.1 under another name is refused with 403, token or not."""
    token = read_token(tcp_agent.paths)
    assert token is not None
    port = tcp_agent.endpoint.port
    with pytest.raises(InvalidStatus) as raised:
        await connect(
            f"ws://{host}:{port}/",
            host="127.0.0.1",
            port=port,
            proxy=None,
            additional_headers={"Authorization": bearer(token)},
        )
    assert raised.value.response.status_code == 403


async def test_stopping_removes_the_port_and_token_files() -> None:
    """After a stop nothing points clients at a port that is gone."""
    paths = resolve_paths()
    lock = InstanceLock(paths.lock_file)
    assert lock.acquire()
    stop = asyncio.Event()
    try:
        options = AgentOptions(transport="tcp", handle_signals=False)
        stop_soon = asyncio.get_running_loop().call_later(0.2, stop.set)
        await asyncio.wait_for(run_agent(paths, lock, options, stop=stop), 15)
        stop_soon.cancel()
    finally:
        lock.release()
    assert not port_file(paths).exists()
    assert not paths.token_file.exists()
