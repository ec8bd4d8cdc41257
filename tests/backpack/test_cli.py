"""The backpack commands as a user runs them (real child processes), with and without an agent:
add, connect (OAuth, --no-browser), login with --password-stdin, list, upload, disconnect,
remove; tokens never printed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.paths import resolve_paths
from agent.sandbox.backpack import DEMO_PASSWORD, Sandbox, approve_in_browser, run_sandbox
from agent.sandbox.demo_agent import running_agent
from tests.backpack.conftest import EARNER
from tests.cli.conftest import CliResult, run_cli


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with run_sandbox() as running:
        yield running


async def cli(sandbox: Sandbox, *args: str, stdin: str | None = None) -> CliResult:
    if stdin is None:
        return await run_cli(*args, allow=sandbox.issuer_host)
    env = {**os.environ, "BADGEKEEPER_ALLOW_HOSTS": sandbox.issuer_host}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agent.cli",
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    return CliResult(process.returncode or 0, out.decode(), err.decode())


async def connect_no_browser(sandbox: Sandbox, name: str) -> CliResult:
    """Run `backpack connect NAME --no-browser`, approve the printed URL like a browser."""
    env = {**os.environ, "BADGEKEEPER_ALLOW_HOSTS": sandbox.issuer_host}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agent.cli",
        "backpack",
        "connect",
        name,
        "--no-browser",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines = []
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line, "connect printed no URL"
        lines.append(line)
        if line.strip().startswith("http"):
            break
    await approve_in_browser(line.strip(), email=EARNER, password=DEMO_PASSWORD)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    return CliResult(process.returncode or 0, "".join(lines) + out.decode(), err.decode())


def secrets_in_home() -> list[str]:
    path = resolve_paths().config / "backpack-tokens.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        value
        for entry in document["backpacks"].values()
        for key, value in entry.items()
        if key in ("access_token", "refresh_token", "client_secret") and value
    ]


async def _save(sandbox: Sandbox, tmp_path: Path, kind: str = "hosted", number: int = 0) -> str:
    issue = {
        "hosted": lambda i: i.issue_ob2_hosted(EARNER),
        "ob3": lambda i: i.issue_ob3_jwt(EARNER),
    }[kind]
    badge = sandbox.issue(issue, EARNER)
    path = tmp_path / f"{kind}-{number}.png"
    path.write_bytes(badge.image)
    saved = await cli(sandbox, "save", str(path), "--json")
    assert saved.returncode == 0, saved.stderr
    return str(saved.json_lines()[0]["badge"]["id"])


async def test_without_an_agent_connect_upload_and_list(sandbox: Sandbox, tmp_path: Path) -> None:
    """add → connect --no-browser → upload --wait → list --json shows the upload done."""
    assert (await cli(sandbox, "emails", "add", EARNER)).returncode == 0
    badge_id = await _save(sandbox, tmp_path)
    url = sandbox.backpack.base_url
    added = await cli(sandbox, "backpack", "add", "sb", "--kind", "badge-connect", "--url", url)
    assert added.returncode == 0 and "backpack connect sb" in added.stdout
    connected = await connect_no_browser(sandbox, "sb")
    assert connected.returncode == 0, connected.stderr
    assert "Open this address in your browser" in connected.stdout
    assert f"connected as {EARNER}" in connected.stdout
    uploaded = await cli(sandbox, "upload", badge_id, "--wait", "--json")
    assert uploaded.returncode == 0, uploaded.stderr
    [upload] = json.loads(uploaded.stdout)
    assert upload["state"] == "done" and upload["public_url"].startswith(url + "/public/")
    listed = json.loads((await cli(sandbox, "list", "--json")).stdout)
    assert listed[0]["uploads"][0]["state"] == "done"
    assert listed[0]["uploads"][0]["public_url"] == upload["public_url"]
    shown = await cli(sandbox, "backpack", "list", "--json")
    assert json.loads(shown.stdout)[0]["status"] == "connected"
    everything = added.stdout + connected.stdout + uploaded.stdout + shown.stdout
    assert [s for s in secrets_in_home() if s in everything] == []
    again = await cli(sandbox, "upload", badge_id, "--wait")
    assert again.returncode == 0  # already done: nothing sent twice
    assert sum(sandbox.backpack.store.created.values()) == 1


async def test_badgr_login_reads_the_password_from_stdin(sandbox: Sandbox) -> None:
    """--password-stdin signs in; a wrong password fails with exit 1 and is never printed."""
    url = sandbox.backpack.base_url
    wrong = await cli(
        sandbox,
        "backpack",
        "add",
        "b",
        "--kind",
        "badgr",
        "--url",
        url,
        "--username",
        EARNER,
        "--password-stdin",
        stdin="not-the-password\n",
    )
    assert wrong.returncode == 1 and "BACKPACK_AUTH_FAILED" in wrong.stderr
    assert "not-the-password" not in wrong.stdout + wrong.stderr
    good = await cli(
        sandbox,
        "backpack",
        "login",
        "b",
        "--username",
        EARNER,
        "--password-stdin",
        stdin=DEMO_PASSWORD + "\n",
    )
    assert good.returncode == 0 and "connected" in good.stdout
    assert DEMO_PASSWORD not in good.stdout + good.stderr
    table = await cli(sandbox, "backpack", "list")
    assert "badgr" in table.stdout and "connected" in table.stdout


async def test_upload_failures_are_one_line_per_cause(sandbox: Sandbox, tmp_path: Path) -> None:
    """Two uploads that cannot go (not connected) give one message naming what to do."""
    assert (await cli(sandbox, "emails", "add", EARNER)).returncode == 0
    ids = [await _save(sandbox, tmp_path, number=n) for n in range(2)]
    url = sandbox.backpack.base_url
    await cli(sandbox, "backpack", "add", "sb", "--kind", "badge-connect", "--url", url)
    result = await cli(sandbox, "upload", "--all", "--wait")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("badgekeeper:")]
    assert len(lines) == 1 and "2 uploads not delivered" in lines[0]
    assert "badgekeeper backpack connect sb" in lines[0]
    assert all(badge_id in result.stdout for badge_id in ids)


async def test_disconnect_and_remove(sandbox: Sandbox) -> None:
    """disconnect forgets the tokens (revoked at the backpack); remove drops the backpack."""
    url = sandbox.backpack.base_url
    await cli(sandbox, "backpack", "add", "sb", "--kind", "badge-connect", "--url", url)
    assert (await connect_no_browser(sandbox, "sb")).returncode == 0
    gone = await cli(sandbox, "backpack", "disconnect", "sb")
    assert gone.returncode == 0 and "revoked at the backpack" in gone.stdout
    assert secrets_in_home() == []
    removed = await cli(sandbox, "backpack", "remove", "sb")
    assert removed.returncode == 0
    missing = await cli(sandbox, "backpack", "remove", "sb")
    assert missing.returncode == 1 and "BACKPACK_NOT_FOUND" in missing.stderr


async def test_with_an_agent_uploads_run_in_the_background(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Through a running agent: connect completes in the agent, upload --wait returns done, and
    the agent announces backpack.connected and upload.done."""
    async with running_agent(resolve_paths(), sandbox.issuer_host) as client:
        events = client.events()
        assert (await cli(sandbox, "emails", "add", EARNER)).returncode == 0
        badge_id = await _save(sandbox, tmp_path, "ob3")
        url = sandbox.backpack.base_url
        added = await cli(sandbox, "backpack", "add", "o", "--kind", "ob3", "--url", url)
        assert added.returncode == 0
        assert (await connect_no_browser(sandbox, "o")).returncode == 0
        queued = await cli(sandbox, "upload", "--all", "--wait", "--json")
        assert queued.returncode == 0, queued.stderr
        assert [u["state"] for u in json.loads(queued.stdout)] == ["done"]
        seen = []
        async for event, params in events:
            seen.append(event)
            if event == "upload.done":
                assert params["badge_id"] == badge_id
                break
        assert "backpack.connected" in seen
