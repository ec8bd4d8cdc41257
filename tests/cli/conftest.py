"""Fixtures for CLI tests: a real sample issuer on loopback and a runner for the real CLI."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.sandbox.issuer_app import IssuerServer, run_issuer


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


async def run_cli(
    *args: str, allow: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> CliResult:
    """Run ``python -m agent.cli ARGS`` as a child process while the test's loop keeps serving."""
    child_env = {**os.environ, **(env or {})}
    child_env.pop("BADGEKEEPER_ALLOW_HOSTS", None)
    if allow is not None:
        child_env["BADGEKEEPER_ALLOW_HOSTS"] = allow
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agent.cli",
        *args,
        env=child_env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return CliResult(process.returncode, stdout.decode(), stderr.decode())


@pytest.fixture
async def issuer() -> AsyncIterator[IssuerServer]:
    """A sample issuer serving OB 2.0 and OB 3.0 documents on 127.0.0.1."""
    async with run_issuer() as server:
        yield server


def host_of(server: IssuerServer) -> str:
    return server.base_url.removeprefix("http://")


def write_all(folder: Path, files: Sequence[tuple[str, bytes]]) -> list[str]:
    paths = []
    for name, data in files:
        path = folder / name
        path.write_bytes(data)
        paths.append(str(path))
    return paths
