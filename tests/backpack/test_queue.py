"""The upload queue under faults, with a fake clock: backoff and jitter, giving up, timeouts,
closed connections, a backpack that changes its mind, restarts, and the background loop.
Nothing queued is lost, nothing is uploaded twice (the sandbox counts), one message per problem.
"""

from __future__ import annotations

import asyncio

from agent.backpack.backoff import RetryPolicy
from agent.backpack.http import BackpackHttp
from agent.backpack.service import BackpackService
from agent.library import AsyncLibrary
from agent.paths import resolve_paths
from agent.sandbox.issuer import Document
from tests.backpack.conftest import Harness
from tests.support.recording import RecordingSink, SettableClock


async def _one_queued(harness: Harness) -> str:
    await harness.add_and_connect("sb")
    badge_id = await harness.save(harness.issue())
    await harness.backpacks.upload(badge_id, "sb")
    return badge_id


async def test_a_500_is_retried_after_its_backoff(harness: Harness) -> None:
    """A 500 queues the upload again for later; it is not tried before then, and then it goes."""
    badge_id = await _one_queued(harness)
    harness.sandbox.backpack.faults.error_500 = 1
    await harness.backpacks.queue.drain(force=False)
    state = await harness.upload_state(badge_id, "sb")
    assert state["state"] == "queued" and state["attempts"] == 1
    assert "server error (HTTP 500)" in state["last_error"]
    assert state["next_attempt_at"].startswith("2026-06-01T12:00:01")  # base 2 s, no jitter: 1 s
    await harness.backpacks.queue.drain(force=False)  # not due yet: nothing sent
    assert harness.sandbox.backpack.faults.received["POST /bc/ims/ob/v2p1/assertions"] == 1
    harness.clock.advance(1.5)
    await harness.backpacks.queue.drain(force=False)
    assert (await harness.upload_state(badge_id, "sb"))["state"] == "done"
    assert harness.sink.named("upload.failed") == []  # a passing failure is not announced


async def test_backoff_grows_and_the_upload_fails_for_good(harness: Harness) -> None:
    """Each retry waits twice as long; after the last attempt the upload fails with one event."""
    badge_id = await _one_queued(harness)
    harness.sandbox.backpack.faults.error_500 = -1
    waits = []
    for _ in range(4):
        await harness.backpacks.queue.drain(force=False)
        state = await harness.upload_state(badge_id, "sb")
        if state["state"] == "failed":
            break
        waits.append(state["next_attempt_at"][11:19])
        harness.clock.advance(3600)
    assert waits == ["12:00:01", "13:00:02", "14:00:04"]  # 1 s, 2 s, 4 s after each failure
    assert state["state"] == "failed" and state["attempts"] == 4
    failed = harness.sink.named("upload.failed")
    assert len(failed) == 1 and failed[0]["final"] is True
    assert failed[0]["error"]["code"] == "BACKPACK_SERVER_ERROR"


async def test_retry_after_is_respected(harness: Harness) -> None:
    """A backpack's Retry-After sets the wait when it is longer than the backoff."""
    badge_id = await _one_queued(harness)
    faults = harness.sandbox.backpack.faults
    faults.error_500, faults.retry_after = 1, 40
    await harness.backpacks.queue.drain(force=False)
    assert (await harness.upload_state(badge_id, "sb"))["next_attempt_at"].startswith(
        "2026-06-01T12:00:40"
    )


async def test_a_backpack_that_hangs_times_out_and_is_retried(harness: Harness) -> None:
    """No answer within the timeout is BACKPACK_TIMEOUT, retried like a 500."""
    badge_id = await _one_queued(harness)
    harness.sandbox.backpack.faults.hang = 1
    await harness.backpacks.queue.drain(force=False)
    state = await harness.upload_state(badge_id, "sb")
    assert state["state"] == "queued" and "did not answer within 1 s" in state["last_error"]
    harness.clock.advance(5)
    await harness.backpacks.queue.drain(force=False)
    assert (await harness.upload_state(badge_id, "sb"))["state"] == "done"


async def test_a_closed_connection_is_retried(harness: Harness) -> None:
    """A connection closed without an answer is BACKPACK_UNREACHABLE, retried."""
    badge_id = await _one_queued(harness)
    harness.sandbox.backpack.faults.close = 1
    await harness.backpacks.queue.drain(force=False)
    state = await harness.upload_state(badge_id, "sb")
    assert state["state"] == "queued" and "closed the connection" in state["last_error"]
    await harness.backpacks.drain()  # on demand: whatever the wait
    assert (await harness.upload_state(badge_id, "sb"))["state"] == "done"


async def test_a_backpack_that_changes_its_mind_gets_the_badge_once(harness: Harness) -> None:
    """The backpack keeps the badge but drops the answer; the retry is a duplicate: done, once."""
    await harness.add_and_connect("badgr", "badgr")
    badge_id = await harness.save(harness.issue())
    await harness.backpacks.upload(badge_id, "badgr")
    harness.sandbox.backpack.faults.accept_then_close = 1
    await harness.backpacks.drain()
    assert (await harness.upload_state(badge_id, "badgr"))["state"] == "queued"
    await harness.backpacks.drain()
    state = await harness.upload_state(badge_id, "badgr")
    assert state["state"] == "done" and state["remote_id"]
    assert list(harness.sandbox.backpack.store.created.values()) == [1]


async def test_a_failing_backpack_is_asked_once_per_pass(harness: Harness) -> None:
    """Three uploads to a backpack that answers 500: one request, three uploads rescheduled."""
    await harness.add_and_connect("sb")
    ids = [await harness.save(harness.issue()) for _ in range(3)]
    for badge_id in ids:
        await harness.backpacks.upload(badge_id, "sb")
    harness.sandbox.backpack.faults.error_500 = -1
    report = await harness.backpacks.drain()
    assert harness.sandbox.backpack.faults.received["POST /bc/ims/ob/v2p1/assertions"] == 1
    assert {u.state for u in report.uploads} == {"queued"}
    assert {u.attempts for u in report.uploads} == {1}
    harness.sandbox.backpack.faults.reset()
    harness.clock.advance(10)
    await harness.backpacks.queue.drain(force=False)
    assert {(await harness.upload_state(i, "sb"))["state"] for i in ids} == {"done"}
    assert sum(harness.sandbox.backpack.store.created.values()) == 3


async def test_a_refused_badge_fails_at_once(harness: Harness) -> None:
    """A badge the backpack refuses (revoked since it was saved) fails without retries."""
    await harness.add_and_connect("sb")
    issued = harness.issue()
    badge_id = await harness.save(issued)
    path = issued.assertion_id.removeprefix(harness.sandbox.issuer.base_url)
    harness.sandbox.issuer.issuer.documents[path] = Document(b"", "text/plain", 410)
    await harness.backpacks.upload(badge_id, "sb")
    await harness.backpacks.drain()
    state = await harness.upload_state(badge_id, "sb")
    assert state["state"] == "failed" and state["attempts"] == 1
    assert "refused" in state["last_error"] and "revoked" in state["last_error"]


async def test_queued_uploads_survive_a_restart_and_resume(harness: Harness) -> None:
    """An upload left 'uploading' by a crash is queued again and delivered once by a new service."""
    badge_id = await _one_queued(harness)
    await harness.library.set_upload_state(badge_id, "sb", "uploading")  # the crash
    paths = resolve_paths()
    async with (
        AsyncLibrary(paths) as library,
        BackpackService(paths, library, RecordingSink(), clock=SettableClock()) as restarted,
    ):
        assert await restarted.queue.resume() == 1
        report = await restarted.drain()
    assert [u.state for u in report.uploads] == ["done"]
    assert sum(harness.sandbox.backpack.store.created.values()) == 1


async def test_the_background_loop_delivers_without_being_asked(harness: Harness) -> None:
    """In the agent (background=True) a queued upload goes out by itself and is announced."""
    await harness.add_and_connect("sb")
    badge_id = await harness.save(harness.issue())
    paths = resolve_paths()
    sink = RecordingSink()
    async with (
        AsyncLibrary(paths) as library,
        BackpackService(
            paths,
            library,
            sink,
            background=True,
            http=BackpackHttp(timeout=2),
            policy=RetryPolicy(jitter=lambda: 0.0),
        ) as agent_side,
    ):
        await agent_side.upload(badge_id, "sb")
        for _ in range(200):
            if sink.named("upload.done"):
                break
            await asyncio.sleep(0.02)
    assert sink.named("upload.done")[0]["badge_id"] == badge_id
