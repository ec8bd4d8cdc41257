"""Fixtures for agent tests: a real ``badgekeeper serve`` process, a sample issuer on loopback.

The agent and the issuer are shared per test module (starting them costs a second); tests that
stop, kill or idle the agent start their own with :func:`start_agent_process`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.client import AgentClient
from agent.paths import Paths, resolve_paths
from agent.sandbox.issuer_app import IssuerServer
from tests.support.issuer_thread import IssuerThread

ROOT = Path(__file__).resolve().parents[2]
EARNER = "earner@example.org"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "heavy: many processes or thousands of requests (seconds, not milliseconds)"
    )


def paths_for(home: Path) -> Paths:
    return resolve_paths({"BADGEKEEPER_HOME": str(home)})


@dataclass
class AgentProcess:
    """A ``badgekeeper serve`` child process and the home it serves."""

    home: Path
    process: subprocess.Popen[bytes]

    @property
    def paths(self) -> Paths:
        return paths_for(self.home)

    @property
    def stderr_path(self) -> Path:
        return self.home / "serve-stderr.txt"

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then wait for the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(30)

    async def client(self, **options: Any) -> AgentClient:
        return await AgentClient.connect(self.paths, **options)


def serve_environment(home: Path, allow: str | None) -> dict[str, str]:
    env = {**os.environ, "BADGEKEEPER_HOME": str(home)}
    env.pop("BADGEKEEPER_ALLOW_HOSTS", None)
    if allow:
        env["BADGEKEEPER_ALLOW_HOSTS"] = allow
    return env


def socket_answers(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(os.fspath(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def start_agent_process(
    home: Path, *args: str, allow: str | None = "127.0.0.1", timeout: float = 30
) -> AgentProcess:
    """Start ``python -m agent.cli serve ARGS`` for ``home`` and wait until it listens."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "serve-stderr.txt").open("ab") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", "serve", *args],
            env=serve_environment(home, allow),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    agent = AgentProcess(home, process)
    deadline = time.monotonic() + timeout
    while not (agent.paths.token_file.exists() and socket_answers(agent.paths.socket)):
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("serve did not listen in time")
        time.sleep(0.02)
    return agent


@pytest.fixture(scope="module")
def issuer() -> Iterator[IssuerServer]:
    """A sample issuer on 127.0.0.1, shared by the module."""
    with IssuerThread() as server:
        yield server


@pytest.fixture(scope="module")
def agent_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentProcess]:
    """A real agent for the module, allowed to reach the loopback issuer; stopped cleanly."""
    agent = start_agent_process(tmp_path_factory.mktemp("agent") / "home")
    yield agent
    code = agent.stop()
    assert code == 0, agent.stderr_path.read_text(errors="replace")
