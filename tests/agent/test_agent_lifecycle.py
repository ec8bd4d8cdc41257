"""The agent's life: start, refuse a second instance, stop cleanly, survive kill -9, idle out."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import time
from pathlib import Path

import pytest

from agent.client import AgentClient
from agent.errors import BadgekeeperError, ErrorCode
from agent.library import Library
from agent.paths import Paths, resolve_paths
from agent.sandbox.issuer_app import IssuerServer
from agent.server.lock import InstanceLock
from tests.agent.conftest import EARNER, start_agent_process
from tests.agent.support import b64, save, stored_file_sha256

pytestmark = pytest.mark.timeout(90)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def wait_until(condition: object, timeout: float = 10) -> None:
    """Poll ``condition()`` until it is true (bounded; fails the test on time-out)."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def lock_is_free(paths: Paths) -> bool:
    lock = InstanceLock(paths.lock_file)
    if not lock.acquire():
        return False
    lock.release()
    return True


async def test_sigterm_finishes_the_save_in_flight_then_exits_cleanly(
    tmp_path: Path, issuer: IssuerServer
) -> None:
    """SIGTERM: the save in flight completes and is answered; exit 0, socket, token, lock gone."""
    agent = start_agent_process(tmp_path / "home")
    paths = agent.paths
    assert mode(paths.socket) == 0o600
    assert mode(paths.socket.parent) == 0o700
    assert mode(paths.token_file) == 0o600
    token = paths.token_file.read_text().strip()
    issued = issuer.issuer.issue_ob2_hosted(EARNER)
    assertion_path = "/" + issued.assertion_id.split("/", 3)[3]
    client = await agent.client()
    try:
        await client.call("emails.add", {"address": EARNER})
        events = client.events()
        issuer.delay = 0.3
        pending = asyncio.ensure_future(save(client, issued))
        await wait_until(lambda: issuer.hits[assertion_path] >= 1)
        agent.process.send_signal(signal.SIGTERM)
        saved = await asyncio.wait_for(pending, 30)
        assert saved["created"] is True
        async for _ in events:  # the stream ends when the agent closes the connection
            pass
        with pytest.raises(BadgekeeperError) as raised:
            await client.call("agent.hello")
        assert raised.value.code is ErrorCode.AGENT_UNAVAILABLE
    finally:
        issuer.delay = 0.0
        await client.close()
    assert agent.process.wait(30) == 0
    assert not paths.socket.exists()
    assert not paths.token_file.exists()
    assert lock_is_free(paths)
    assert token not in (paths.logs / "agent.log").read_text()
    with Library(paths) as library:
        assert library.get(saved["badge"]["id"]).assertion_id == issued.assertion_id


async def test_a_stale_socket_file_is_replaced(tmp_path: Path) -> None:
    """A socket file left by a crashed agent does not stop the next one from listening."""
    paths = resolve_paths({"BADGEKEEPER_HOME": str(tmp_path / "home")})
    paths.socket.parent.mkdir(parents=True, mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(os.fspath(paths.socket))
    stale.close()
    agent = start_agent_process(tmp_path / "home")
    try:
        async with await agent.client() as client:
            assert (await client.call("agent.hello"))["pid"] == agent.process.pid
    finally:
        assert agent.stop() == 0


async def test_connect_without_an_agent_and_without_start_is_unavailable(tmp_path: Path) -> None:
    """AgentClient.connect(start=False) with no agent raises AGENT_UNAVAILABLE at once."""
    paths = resolve_paths({"BADGEKEEPER_HOME": str(tmp_path / "nobody-home")})
    with pytest.raises(BadgekeeperError) as raised:
        await AgentClient.connect(paths, timeout=30)
    assert raised.value.code is ErrorCode.AGENT_UNAVAILABLE


async def test_the_client_starts_the_agent_once_for_two_clients(badgekeeper_home: Path) -> None:
    """Two clients with start=True at once reach the same, single, auto-started agent."""
    first, second = await asyncio.gather(
        AgentClient.connect(start=True, timeout=30),
        AgentClient.connect(start=True, timeout=30),
    )
    paths = resolve_paths()
    try:
        hellos = [await client.call("agent.hello") for client in (first, second)]
        pid = hellos[0]["pid"]
        assert hellos[1]["pid"] == pid != os.getpid()
        assert hellos[0]["home"] == str(paths.data)
    finally:
        await first.close()
        await second.close()
        os.kill(pid, signal.SIGTERM)
    await wait_until(lambda: lock_is_free(paths), timeout=30)
    assert not paths.socket.exists()


async def test_idle_exit_waits_for_the_last_client(tmp_path: Path) -> None:
    """--idle-exit stops the agent only once no client has been connected for that long."""
    agent = start_agent_process(tmp_path / "home", "--idle-exit", "0.5")
    client = await agent.client()
    try:
        await asyncio.sleep(1.5)  # three idle periods with a client connected
        assert agent.process.poll() is None
        assert (await client.call("agent.hello"))["protocol"] == 1
    finally:
        await client.close()
    assert await asyncio.to_thread(agent.process.wait, 30) == 0
    assert not agent.paths.socket.exists()


@pytest.mark.heavy
async def test_kill_9_with_saves_in_flight_loses_no_acknowledged_save(
    tmp_path: Path, issuer: IssuerServer
) -> None:
    """kill -9 during 100 concurrent saves: after a restart every acknowledged save is intact."""
    home = tmp_path / "home"
    agent = start_agent_process(home)
    badges = [issuer.issuer.issue_ob2_hosted(EARNER) for _ in range(100)]
    acknowledged: dict[str, dict[str, object]] = {}
    clients = [await agent.client() for _ in range(5)]
    await clients[0].call("emails.add", {"address": EARNER})

    async def save_all(client: AgentClient, share: list[object]) -> None:
        async def one(badge: object) -> None:
            try:
                result = await save(client, badge)  # type: ignore[arg-type]
            except BadgekeeperError:
                return  # cut off by the kill: not acknowledged, so no promise was made
            acknowledged[result["badge"]["id"]] = result["badge"]

        await asyncio.gather(*(one(badge) for badge in share))

    issuer.delay = 0.02
    try:
        work = asyncio.gather(
            *(save_all(client, list(badges[n::5])) for n, client in enumerate(clients))
        )
        await wait_until(lambda: len(acknowledged) >= 20, timeout=60)
        agent.kill()
        await asyncio.wait_for(work, 30)
    finally:
        issuer.delay = 0.0
        for client in clients:
            await client.close()
    kept = dict(acknowledged)
    restarted = start_agent_process(home)
    try:
        async with await restarted.client() as client:
            for badge_id, badge in kept.items():
                found = (await client.call("badge.get", {"id": badge_id}))["badge"]
                assert found["sha256"] == badge["sha256"]
                assert stored_file_sha256(restarted.paths, found) == badge["sha256"]
            assert (await client.call("badge.list", {"limit": 1}))["total"] >= len(kept)
        with Library(restarted.paths) as library:
            assert library.integrity_errors() == []
    finally:
        assert restarted.stop() == 0


@pytest.mark.heavy
async def test_fifty_clients_with_a_hundred_requests_each(
    tmp_path: Path, issuer: IssuerServer
) -> None:
    """50 clients × 100 concurrent requests (hello, list, get) all get correct answers."""
    agent = start_agent_process(tmp_path / "home")
    try:
        async with await agent.client() as setup:
            await setup.call("emails.add", {"address": EARNER})
            ids = [
                (await save(setup, issuer.issuer.issue_ob2_hosted(EARNER)))["badge"]["id"]
                for _ in range(5)
            ]
        clients = await asyncio.gather(*(agent.client(timeout=30) for _ in range(50)))

        async def hammer(client: AgentClient, n: int) -> int:
            calls = []
            for i in range(100):
                kind = (n + i) % 3
                if kind == 0:
                    calls.append(client.call("agent.hello"))
                elif kind == 1:
                    calls.append(client.call("badge.list", {"limit": 5}))
                else:
                    calls.append(client.call("badge.get", {"id": ids[i % len(ids)]}))
            results = await asyncio.gather(*calls)
            for i, result in enumerate(results):
                kind = (n + i) % 3
                assert (
                    result["protocol"] == 1
                    if kind == 0
                    else result["total"] == 5
                    if kind == 1
                    else result["badge"]["id"] == ids[i % len(ids)]
                )
            return len(results)

        try:
            counts = await asyncio.gather(*(hammer(c, n) for n, c in enumerate(clients)))
        finally:
            await asyncio.gather(*(client.close() for client in clients))
        assert sum(counts) == 5000
    finally:
        assert agent.stop() == 0


async def test_save_from_bytes_by_another_process_is_in_the_library(
    tmp_path: Path, issuer: IssuerServer
) -> None:
    """What the agent acknowledges is in the library another process opens (WAL, durable)."""
    agent = start_agent_process(tmp_path / "home")
    try:
        async with await agent.client() as client:
            await client.call("emails.add", {"address": EARNER})
            issued = issuer.issuer.issue_ob3_jwt(EARNER)
            saved = await client.call("badge.save", {"data": b64(issued.image)})
            with Library(agent.paths) as library:
                record = library.get(saved["badge"]["id"])
                assert record.status == "valid"
                assert record.sha256 == saved["badge"]["sha256"]
    finally:
        assert agent.stop() == 0
