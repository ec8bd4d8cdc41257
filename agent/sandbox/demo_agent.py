"""The demo's second half: a real agent saves the badges, connects the sandbox backpack through
the real OAuth flow, uploads the valid badges, and fills a collection.

Everything goes through a ``badgekeeper serve`` child process over its socket, exactly as the
extension and the CLI talk to it; the browser's part of OAuth (the consent page) is played by
:func:`agent.sandbox.backpack.approve_in_browser`, which posts the real form.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.client import AgentClient, EventStream
from agent.errors import BadgekeeperError, ErrorCode
from agent.paths import Paths, resolve_paths
from agent.sandbox.backpack import DEMO_EMAIL, DEMO_PASSWORD, Sandbox, approve_in_browser

AGENT_START_TIMEOUT = 20.0
EVENT_TIMEOUT = 20.0
COLLECTION = "Demo highlights"
Say = Callable[[str], None]


@dataclass
class AgentPart:
    """What the agent half of the demo did, for the report."""

    saved: list[dict[str, Any]] = field(default_factory=list)  # badge.save results, in order
    authorization_url: str = ""
    backpacks: list[dict[str, Any]] = field(default_factory=list)
    library: list[dict[str, Any]] = field(default_factory=list)
    collection: dict[str, Any] | None = None
    shares: dict[str, dict[str, Any]] = field(default_factory=dict)
    share_available: bool = False
    uploads_ok: bool = False


@asynccontextmanager
async def running_agent(paths: Paths, allow: str) -> AsyncIterator[AgentClient]:
    """A ``badgekeeper serve`` child for this home (or the agent already serving it)."""
    env = {**os.environ, "BADGEKEEPER_ALLOW_HOSTS": allow}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agent.cli",
        "serve",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        client = await _connect(paths, process)
        try:
            yield client
        finally:
            await client.close()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()


async def _connect(paths: Paths, process: asyncio.subprocess.Process) -> AgentClient:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + AGENT_START_TIMEOUT
    while True:
        try:
            return await AgentClient.connect(paths, timeout=2.0)
        except BadgekeeperError as exc:
            if exc.code is not ErrorCode.AGENT_UNAVAILABLE or loop.time() > deadline:
                raise
            if process.returncode not in (None, 0):
                raise BadgekeeperError(
                    ErrorCode.AGENT_UNAVAILABLE,
                    f"The demo's agent exited with {process.returncode}; run `badgekeeper "
                    "serve` to see why.",
                ) from exc
        await asyncio.sleep(0.05)


async def next_event(
    stream: EventStream, wanted: Callable[[str, dict[str, Any]], bool], timeout: float
) -> dict[str, Any]:
    """The params of the next event ``wanted`` accepts (others are skipped)."""

    async def find() -> dict[str, Any]:
        async for event, params in stream:
            if wanted(event, params):
                return params
        raise BadgekeeperError(ErrorCode.AGENT_UNAVAILABLE, "The agent went away.")

    return await asyncio.wait_for(find(), timeout)


async def run_agent_part(
    sandbox: Sandbox, files: list[Path], say: Say, *, paths: Paths | None = None
) -> AgentPart:
    """Save, connect, upload, collect; through a real agent."""
    part = AgentPart()
    paths = paths or resolve_paths()
    async with running_agent(paths, sandbox.issuer_host) as client:
        hello = await client.call("agent.hello", {"client": "badgekeeper-demo"})
        part.share_available = "badge.share" in hello["methods"]
        stream = client.events()
        say(f"Agent running (pid {hello['pid']}); saving {len(files)} badges through it…")
        await client.call("emails.add", {"address": DEMO_EMAIL})
        for path in files:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            source = {"mail_subject": "You earned a badge", "mail_sender": "badges@sandbox.example"}
            part.saved.append(await client.call("badge.save", {"data": data, "source": source}))
        await _connect_backpacks(client, stream, sandbox, part, say)
        valid = [s["badge"] for s in part.saved if s["badge"]["status"] == "valid"]
        expected = set()
        for badge in valid:
            for upload in (await client.call("badge.upload", {"id": badge["id"]}))["uploads"]:
                expected.add((badge["id"], upload["backpack"]))
        ob2 = [b for b in valid if b["spec"] == "ob2"]
        for badge in ob2:
            await client.call("badge.upload", {"id": badge["id"], "backpack": "sandbox-badgr"})
            expected.add((badge["id"], "sandbox-badgr"))
        say(f"Uploading {len(valid)} valid badges ({len(expected)} uploads)…")
        part.uploads_ok = await _await_uploads(stream, expected)
        part.collection = await _collection(client, ob2, say)
        part.backpacks = (await client.call("backpack.list"))["backpacks"]
        part.library = (await client.call("badge.list", {"limit": 200, "descending": False}))[
            "items"
        ]
        if part.share_available:
            for badge in part.library:
                if any(u["state"] == "done" for u in badge["uploads"]):
                    part.shares[badge["id"]] = await client.call("badge.share", {"id": badge["id"]})
    return part


async def _connect_backpacks(
    client: AgentClient, stream: EventStream, sandbox: Sandbox, part: AgentPart, say: Say
) -> None:
    url = sandbox.backpack.base_url
    for name, kind in (("sandbox", "badge-connect"), ("sandbox-ob3", "ob3")):
        await client.call("backpack.add", {"name": name, "kind": kind, "url": url, "default": True})
        started = await client.call("backpack.connect", {"name": name})
        part.authorization_url = part.authorization_url or started["authorization_url"]
        landed = await approve_in_browser(
            started["authorization_url"], email=DEMO_EMAIL, password=DEMO_PASSWORD
        )
        connected = await next_event(stream, _connected_event(name), EVENT_TIMEOUT)
        account = connected["backpack"]["account"]
        say(
            f"Connected {name} ({connected['backpack']['kind_label']}) as {account}: consent "
            f"approved, code returned to {landed.host}:{landed.port}, PKCE verified."
        )
    badgr = {
        "name": "sandbox-badgr",
        "kind": "badgr",
        "url": url,
        "username": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
        "default": False,
    }
    await client.call("backpack.add", badgr)
    say("Signed in to sandbox-badgr (Badgr v2 token login) for collections.")


def _connected_event(name: str) -> Callable[[str, dict[str, Any]], bool]:
    def wanted(event: str, params: dict[str, Any]) -> bool:
        return event == "backpack.connected" and params["backpack"]["name"] == name

    return wanted


async def _await_uploads(stream: EventStream, expected: set[tuple[str, str]]) -> bool:
    pending = set(expected)
    ok = True

    def wanted(event: str, params: dict[str, Any]) -> bool:
        key = (params.get("badge_id"), params.get("backpack"))
        return event in ("upload.done", "upload.failed") and key in pending

    while pending:
        try:
            params = await next_event(stream, wanted, EVENT_TIMEOUT)
        except asyncio.TimeoutError:
            return False
        pending.discard((params["badge_id"], params["backpack"]))
        ok = ok and "error" not in params
    return ok


async def _collection(
    client: AgentClient, badges: list[dict[str, Any]], say: Say
) -> dict[str, Any] | None:
    if not badges:
        return None
    created = (await client.call("collections.create", {"name": COLLECTION}))["collection"]
    for badge in badges:
        await client.call("collections.add", {"id": created["id"], "badge_id": badge["id"]})
    pushed: dict[str, Any] = await client.call(
        "collections.push", {"id": created["id"], "backpack": "sandbox-badgr"}
    )
    say(f"Collection {COLLECTION!r} made with {pushed['badges']} badges and pushed to Badgr.")
    return pushed
