"""`badgekeeper sandbox` and `badgekeeper demo` as a user runs them."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp

from tests.cli.conftest import run_cli


async def test_sandbox_command_serves_until_stopped(tmp_path: Path) -> None:
    """It prints the issuer's and the backpack's URLs and sample badges, serves them, and stops
    cleanly on SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agent.cli",
        "sandbox",
        "--data",
        str(tmp_path / "data"),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    printed = ""
    while "Stop with Ctrl-C." not in printed:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        assert line, printed
        printed += line.decode()
    backpack = re.search(r"Sandbox backpack: (http://127\.0\.0\.1:\d+)", printed)
    issuer = re.search(r"Sandbox issuer:   (http://127\.0\.0\.1:\d+)", printed)
    assert backpack and issuer
    async with aiohttp.ClientSession() as http:
        async with http.get(backpack.group(1) + "/.well-known/badgeconnect.json") as answer:
            assert answer.status == 200
        async with http.get(issuer.group(1) + "/ob2/issuer") as answer:
            assert answer.status == 200
    assert (tmp_path / "data" / "badges" / "ob2-hosted.png").is_file()
    assert (tmp_path / "data" / "backpack" / "backpack.sqlite3").is_file()
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 30) == 0


async def test_demo_runs_the_whole_job(tmp_path: Path) -> None:
    """The demo verifies the samples, connects with OAuth, uploads the valid ones, makes a
    collection and prints the library; exit 0."""
    env = {"BADGEKEEPER_HOME": os.environ["BADGEKEEPER_HOME"]}
    result = await run_cli("demo", "--out", str(tmp_path / "samples"), env=env, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "✗" not in out
    assert "Connected sandbox (Badge Connect 2.1) as earner@sandbox.example" in out
    assert "Connected sandbox-ob3 (Open Badges 3.0 API)" in out
    assert "Collection 'Demo highlights' made with 3 badges" in out
    assert "8 uploads delivered" in out
    assert re.search(r"sandbox ✓ sandbox-badgr ✓\s+http://127\.0\.0\.1:\d+/public/badges/", out)
