"""kill -9 at random points of saving, syncing and uploading, many times: of the real agent, and
of a `badgekeeper sync` command running without one.

Each round starts the agent on the same home, sets saves, sync runs and uploads going at once
against the sandbox issuer and backpack (on loopback, in this process), and kills the agent
after a random delay. After every kill: SQLite's integrity check is ok and every save the agent
acknowledged is present with its file intact. At the end a restarted agent delivers every
badge, and the backpack holds each exactly once — with at most one re-sent upload per kill
(the one in flight when it landed), so nothing was sent twice that had been recorded as sent.

The delays come from a seeded generator; the seed is printed, and BADGEKEEPER_CRASH_SEED
replays a run.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest

from agent.client import AgentClient
from agent.errors import BadgekeeperError
from agent.library import Library, SourceInfo
from agent.paths import Paths, resolve_paths
from agent.sandbox.backpack import DEMO_EMAIL, DEMO_PASSWORD, Sandbox, run_sandbox
from agent.sandbox.backpack.badge_connect_api import API_PATH
from agent.sandbox.backpack.browser import approve_in_browser
from agent.sandbox.issuer import IssuedBadge
from agent.server.services import open_services
from tests.agent.conftest import ROOT, AgentProcess, serve_environment, start_agent_process
from tests.agent.support import next_event, save, stored_file_sha256

pytestmark = pytest.mark.timeout(300)

ROUNDS = 10
NEW_PER_ROUND = 12
BACKPACK = "sandbox"
UPLOAD_POSTS = f"POST {API_PATH}/assertions"


def crash_seed() -> int:
    chosen = os.environ.get("BADGEKEEPER_CRASH_SEED")
    seed = int(chosen) if chosen else random.SystemRandom().randrange(1 << 30)
    print(f"crash seed: {seed} (BADGEKEEPER_CRASH_SEED={seed} replays it)")
    return seed


async def start(home: Path) -> tuple[AgentProcess, AgentClient]:
    agent = await asyncio.to_thread(start_agent_process, home)
    return agent, await agent.client(timeout=30)


async def connect_backpack(client: AgentClient, sandbox: Sandbox) -> None:
    """Badge Connect through the agent: the real consent page, PKCE, tokens in the token file."""
    stream = client.events()
    url = sandbox.backpack.base_url
    added = {"name": BACKPACK, "kind": "badge-connect", "url": url, "default": True}
    await client.call("backpack.add", added)
    started = await client.call("backpack.connect", {"name": BACKPACK})
    await approve_in_browser(started["authorization_url"], email=DEMO_EMAIL, password=DEMO_PASSWORD)
    await next_event(stream, "backpack.connected", timeout=30)


async def quietly(call: Awaitable[Any]) -> Any:
    """A call the kill may cut off: no answer means no promise was made."""
    try:
        return await call
    except BadgekeeperError:
        return None


async def work_until_killed(
    client: AgentClient,
    agent: AgentProcess,
    badges: list[IssuedBadge],
    kill_after: float,
    acknowledged: dict[str, dict[str, Any]],
) -> None:
    """Saves (auto-upload on), forced sync runs and explicit uploads at once; kill -9 midway."""

    async def save_one(badge: IssuedBadge) -> None:
        saved = await quietly(save(client, badge))
        if saved is not None:
            acknowledged[saved["badge"]["id"]] = saved["badge"]
            await quietly(client.call("badge.upload", {"id": saved["badge"]["id"]}))

    async def sync_twice() -> None:
        for _ in range(2):
            await quietly(client.call("sync.run", {"force": True}))

    work = asyncio.gather(*(save_one(badge) for badge in badges), sync_twice())
    await asyncio.sleep(kill_after)
    await asyncio.to_thread(agent.kill)
    await asyncio.wait_for(work, 30)
    await client.close()


def check_after_crash(paths: Paths, acknowledged: dict[str, dict[str, Any]]) -> None:
    """The library the killed process left: sound, and every acknowledged save whole."""
    with Library(paths) as library:
        assert library.integrity_errors() == []
        for badge_id, badge in acknowledged.items():
            found = library.get(badge_id).to_json()
            assert found["sha256"] == badge["sha256"]
            assert stored_file_sha256(paths, found) == badge["sha256"]


async def deliver_everything(client: AgentClient) -> list[dict[str, Any]]:
    """Queue every badge for the backpack and sync until no upload is left waiting."""
    for _ in range(20):
        listing = await client.call("badge.list", {"limit": 200})
        waiting = [
            badge
            for badge in listing["items"]
            if not any(u["backpack"] == BACKPACK and u["state"] == "done" for u in badge["uploads"])
        ]
        if not waiting:
            return list(listing["items"])
        for badge in waiting:
            await client.call("badge.upload", {"id": badge["id"], "backpack": BACKPACK})
        await client.call("sync.run", {"force": True})
    raise AssertionError(f"uploads still waiting: {[b['uploads'] for b in waiting]}")


async def test_kill_9_during_save_sync_and_upload_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    """Ten kill -9s at random points of saving, syncing and uploading: the library stays sound
    with every acknowledged save, and every badge reaches the backpack exactly once."""
    rng = random.Random(crash_seed())
    home = tmp_path / "home"
    acknowledged: dict[str, dict[str, Any]] = {}
    kills = 0
    async with run_sandbox() as sandbox:
        sandbox.issuer.delay = 0.01  # stretch verification, so kills land inside it too
        agent, client = await start(home)
        await client.call("emails.add", {"address": DEMO_EMAIL})
        await client.call("settings.set", {"preferences": {"auto_upload": True}})
        await connect_backpack(client, sandbox)
        for _ in range(ROUNDS):
            badges = [
                sandbox.issuer.issuer.issue_ob2_hosted(DEMO_EMAIL) for _ in range(NEW_PER_ROUND)
            ]
            await work_until_killed(client, agent, badges, rng.uniform(0.02, 0.7), acknowledged)
            kills += 1
            await asyncio.to_thread(check_after_crash, agent.paths, acknowledged)
            agent, client = await start(home)
        try:
            items = await deliver_everything(client)
        finally:
            await client.close()
            assert await asyncio.to_thread(agent.stop) == 0
        await asyncio.to_thread(check_after_crash, agent.paths, acknowledged)

        assert acknowledged, "no save was acknowledged before any kill"
        assert set(acknowledged) <= {item["id"] for item in items}
        store = sandbox.backpack.store
        account = store.account_for_email(DEMO_EMAIL)
        assert account is not None
        held = {badge.assertion_id for badge in store.badges(account, accepted_only=True)}
        assertion_ids = {item["assertion_id"] for item in items}
        assert assertion_ids <= held
        assert all(store.created[assertion_id] == 1 for assertion_id in assertion_ids)
        posts = sandbox.backpack.faults.received[UPLOAD_POSTS]
        print(f"{len(items)} badges, {posts} upload requests, {kills} kills")
        assert len(items) <= posts <= len(items) + kills, (posts, len(items), kills)


LOCAL_ROUNDS = 6
LOCAL_BADGES = 40
BADGR = "badgr"
BADGR_POSTS = "POST /v2/backpack/import"


def start_local_sync(home: Path) -> subprocess.Popen[bytes]:
    """`badgekeeper sync --force` with no agent running: the sync runs in that process."""
    return subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "sync", "--force", "--json"],
        env=serve_environment(home, "127.0.0.1"),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_kill_9_of_a_local_sync_command_resumes_and_uploads_once(
    badgekeeper_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`badgekeeper sync` without an agent, killed six times mid-run: the library stays sound,
    every saved badge stays whole, and the next runs deliver each upload exactly once."""
    rng = random.Random(crash_seed())
    monkeypatch.setenv("BADGEKEEPER_ALLOW_HOSTS", "127.0.0.1")
    paths = resolve_paths()
    async with run_sandbox() as sandbox:
        sandbox.issuer.delay = 0.01
        saved: dict[str, dict[str, Any]] = {}
        async with open_services(paths) as services:
            await services.library.add_email(DEMO_EMAIL)
            url = sandbox.backpack.base_url
            await services.backpacks.add(
                BADGR, "badgr", url, username=DEMO_EMAIL, password=DEMO_PASSWORD
            )
            for _ in range(LOCAL_BADGES):
                badge = sandbox.issuer.issuer.issue_ob2_hosted(DEMO_EMAIL)
                outcome = await services.keeper.save_bytes(badge.image, SourceInfo())
                saved[outcome.badge.id] = outcome.badge.to_json()
                await services.backpacks.upload(outcome.badge.id, BADGR)
        for _ in range(LOCAL_ROUNDS):
            child = start_local_sync(badgekeeper_home)
            await asyncio.sleep(rng.uniform(0.3, 2.0))
            child.kill()
            await asyncio.to_thread(child.wait, 30)
            await asyncio.to_thread(check_after_crash, paths, saved)
        for _ in range(3):  # to the end, as many times as the queue's backoff needs
            child = start_local_sync(badgekeeper_home)
            _, stderr = await asyncio.to_thread(child.communicate, None, 120)
            assert child.returncode == 0, stderr.decode(errors="replace")
            with Library(paths) as library:
                states = {u.state for badge_id in saved for u in library.uploads(badge_id)}
            if states == {"done"}:
                break
        assert states == {"done"}
        await asyncio.to_thread(check_after_crash, paths, saved)

        store = sandbox.backpack.store
        assertion_ids = {badge["assertion_id"] for badge in saved.values()}
        assert all(store.created[assertion_id] == 1 for assertion_id in assertion_ids)
        posts = sandbox.backpack.faults.received[BADGR_POSTS]
        print(f"{len(saved)} badges, {posts} upload requests, {LOCAL_ROUNDS} kills")
        assert len(saved) <= posts <= len(saved) + LOCAL_ROUNDS, posts
