"""The host and a real agent: starting it on demand, two hosts at once, the agent dying and
coming back, events pushed through, and replies too large for the browser."""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.host.conftest import HostFactory
from tests.host.support import (
    CHROME_ORIGIN,
    agent_pid,
    host_environment,
    paths_for,
    process_alive,
    request,
    start_agent,
    stop_agent_of,
)

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """A loopback TCP server that accepts connections and never answers (a request hangs)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server
    server.close()


def test_host_starts_the_agent_when_none_runs(spawn_host: HostFactory, fresh_home: Path) -> None:
    """With no agent running, the host starts one (detached) and relays to it."""
    host = spawn_host([CHROME_ORIGIN], fresh_home)
    reply = host.call(1, "agent.hello")
    assert reply["result"]["home"] == str(fresh_home / "data")
    pid = reply["result"]["pid"]
    assert agent_pid(fresh_home) == pid
    host.close_stdin()
    assert host.wait() == 0
    assert process_alive(pid)  # the agent outlives the host that started it


def test_two_hosts_starting_at_once_share_one_agent(
    spawn_host: HostFactory, fresh_home: Path
) -> None:
    """Two hosts that both find no agent both start one; the lock leaves a single agent."""
    first = spawn_host([CHROME_ORIGIN], fresh_home)
    second = spawn_host([CHROME_ORIGIN], fresh_home)
    first.send(request(1, "agent.hello"))
    second.send(request(2, "agent.hello"))
    one, two = first.receive(), second.receive()
    assert one["result"]["pid"] == two["result"]["pid"] == agent_pid(fresh_home)


def test_agent_killed_mid_request_then_restarted(
    spawn_host: HostFactory, fresh_home: Path, silent_server: socket.socket
) -> None:
    """A request in flight when the agent dies is answered AGENT_UNAVAILABLE; the host then
    starts a new agent and relays the next request to it."""
    agent = start_agent(
        fresh_home, host_environment(fresh_home, BADGEKEEPER_ALLOW_HOSTS="127.0.0.1")
    )
    host = spawn_host([CHROME_ORIGIN], fresh_home)
    first_pid = host.call(1, "agent.hello")["result"]["pid"]
    assert first_pid == agent.pid
    port = silent_server.getsockname()[1]
    host.send(request(2, "badge.save", {"url": f"http://127.0.0.1:{port}/badge.png"}))
    silent_server.settimeout(20)
    held, _ = silent_server.accept()  # the agent is fetching: request 2 is in flight
    try:
        os.kill(agent.pid, signal.SIGKILL)
        agent.wait(10)
        reply = host.receive()
    finally:
        held.close()
    assert reply["id"] == 2
    assert reply["error"]["data"]["name"] == "AGENT_UNAVAILABLE"
    again = host.call(3, "agent.hello")
    assert again["result"]["pid"] not in (None, first_pid)
    assert again["result"]["home"] == str(fresh_home / "data")


def test_agent_restarted_by_someone_else_is_reached_again(
    spawn_host: HostFactory, fresh_home: Path
) -> None:
    """After a clean stop and a new `serve`, the host reconnects to the new agent."""
    agent = start_agent(fresh_home)
    host = spawn_host([CHROME_ORIGIN], fresh_home)
    assert host.call(1, "agent.hello")["result"]["pid"] == agent.pid
    agent.send_signal(signal.SIGTERM)
    assert agent.wait(30) == 0
    deadline = time.monotonic() + 30
    pid = None
    while pid in (None, agent.pid) and time.monotonic() < deadline:
        reply = host.call(2, "agent.hello")
        pid = reply.get("result", {}).get("pid")
    assert pid not in (None, agent.pid)
    stop_agent_of(fresh_home)


def test_events_reach_every_connected_extension(spawn_host: HostFactory, agent_home: Path) -> None:
    """An event the agent pushes (settings.changed) is forwarded to each host's browser."""
    watcher = spawn_host([CHROME_ORIGIN], agent_home)
    assert watcher.call(1, "agent.hello")["id"] == 1  # connected and subscribed
    actor = spawn_host([CHROME_ORIGIN], agent_home)
    address = f"{uuid.uuid4().hex[:12]}@example.org"
    assert address in actor.call(2, "emails.add", {"address": address})["result"]["emails"]
    event = watcher.receive()
    assert "id" not in event
    assert event["method"] == "settings.changed"
    assert address in event["params"]["emails"]


def test_agent_runtime_files_are_found_for_a_long_home(
    spawn_host: HostFactory, tmp_path: Path
) -> None:
    """A home too long for a socket path still works: host and agent agree on the socket."""
    home = tmp_path / ("long-" + "x" * 120)
    home.mkdir()
    assert len(str(paths_for(home).runtime / "agent.sock")) > 100
    host = spawn_host([CHROME_ORIGIN], home)
    assert host.call(1, "agent.hello")["result"]["home"] == str(home / "data")
