"""Fixtures for native-host tests: a real agent per test module, hosts that are always stopped,
and agents started by hosts stopped at the end of each test."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.host.support import HostProcess, host_environment, start_agent, stop_agent_of


@pytest.fixture(scope="module")
def agent_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The home of a real agent (``badgekeeper serve``) shared by the module; stopped cleanly."""
    home = tmp_path_factory.mktemp("host-agent") / "home"
    process = start_agent(home)
    yield home
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    stop_agent_of(home)  # one a test's host may have started after killing the first


HostFactory = Callable[..., HostProcess]


@pytest.fixture
def spawn_host(tmp_path: Path) -> Iterator[HostFactory]:
    """Start hosts (``args``, ``home``, extra environment); all are stopped after the test, and
    so is any agent they started in a home of this test."""
    hosts: list[HostProcess] = []
    homes: list[Path] = []

    def spawn(args: list[str], home: Path, **env: str) -> HostProcess:
        host = HostProcess(args, host_environment(home, **env), cwd=tmp_path)
        hosts.append(host)
        if home not in homes:
            homes.append(home)
        return host

    yield spawn
    for host in hosts:
        host.stop()
    for home in homes:
        if str(home).startswith(str(tmp_path)):
            stop_agent_of(home)


@pytest.fixture
def fresh_home(tmp_path: Path) -> Path:
    """A home no agent serves yet."""
    home = tmp_path / "fresh-home"
    home.mkdir()
    os.chmod(home, 0o700)
    return home
