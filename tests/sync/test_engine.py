"""The sync engine against the real sample issuer and a real library."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from agent.sandbox.issuer import Document
from tests.sync.conftest import EARNER, SyncHarness

pytestmark = pytest.mark.timeout(60)


async def test_revoked_badge_is_detected_and_announced(harness: SyncHarness) -> None:
    """A badge the issuer revoked (410) becomes revoked, with badge.revoked."""
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    badge_id = await harness.save(badge)
    harness.publish(badge, Document(b"", "text/plain", 410))
    harness.clock.advance(hours=7)
    summary = await harness.engine().run()
    assert (summary.checked, summary.changed, summary.unreachable) == (1, 1, 0)
    assert (await harness.services.library.get(badge_id)).status == "revoked"
    revoked = harness.sink.named("badge.revoked")
    assert [event["badge_id"] for event in revoked] == [badge_id]
    assert revoked[0]["previous"] == "valid"
    verified = harness.sink.named("badge.verified")
    assert [(e["status"], e["previous"]) for e in verified] == [("revoked", "valid")]


async def test_unchanged_badges_raise_no_per_badge_event(harness: SyncHarness) -> None:
    """Re-checks that change nothing send no badge.verified (no flood); sync.done still ends it."""
    for _ in range(3):
        await harness.save(harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER))
    summary = await harness.engine().run(force=True)
    assert (summary.checked, summary.changed) == (3, 0)
    assert harness.sink.named("badge.verified") == []
    assert [done["checked"] for done in harness.sink.named("sync.done")] == [3]


async def test_issuer_down_keeps_the_last_verdict(harness: SyncHarness) -> None:
    """An issuer answering 500 leaves the badge valid, with an unreachable note."""
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    badge_id = await harness.save(badge)
    harness.publish(badge, Document(b"oops", "text/plain", 500))
    harness.clock.advance(hours=7)
    summary = await harness.engine().run()
    assert (summary.checked, summary.changed, summary.unreachable) == (1, 0, 1)
    record = await harness.services.library.get(badge_id)
    assert record.status == "valid"
    shown = record.to_json()["unreachable"]
    assert shown["code"] == "HTTP_ERROR"
    assert shown["note"].startswith("last checked ")
    assert "could not reach the issuer" in shown["note"]
    status = await harness.engine().status()
    assert [entry["badge_id"] for entry in status["unreachable"]] == [badge_id]
    assert "could not reach the issuer" in status["unreachable"][0]["note"]
    assert not harness.sink.named("badge.revoked")


async def test_issuer_hanging_keeps_the_last_verdict(harness: SyncHarness) -> None:
    """An issuer that never answers costs a timeout, not the badge's verdict."""
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    badge_id = await harness.save(badge)
    path = badge.assertion_id.removeprefix(harness.sandbox.issuer.base_url)
    original = harness.sandbox.issuer.handle

    async def hang_for_assertion(request):  # type: ignore[no-untyped-def]
        if request.path == path:
            await asyncio.Event().wait()
        return await original(request)

    harness.sandbox.issuer.handle = hang_for_assertion  # type: ignore[method-assign]
    harness.clock.advance(hours=7)
    summary = await harness.engine(deadline=2.0).run()
    assert summary.unreachable == 1
    assert (await harness.services.library.get(badge_id)).status == "valid"


async def test_unreachable_badge_waits_an_hour_then_recovers(harness: SyncHarness) -> None:
    """After an unreachable try the badge waits an hour; a later good check clears the note."""
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    await harness.save(badge)
    path = badge.assertion_id.removeprefix(harness.sandbox.issuer.base_url)
    good = harness.sandbox.issuer.issuer.documents[path]
    harness.publish(badge, Document(b"oops", "text/plain", 503))
    harness.clock.advance(hours=7)
    assert (await harness.engine().run()).unreachable == 1
    harness.clock.advance(minutes=30)
    assert (await harness.engine().run()).checked == 0
    harness.publish(badge, good)
    harness.clock.advance(minutes=31)
    summary = await harness.engine().run()
    assert (summary.checked, summary.unreachable) == (1, 0)
    assert (await harness.engine().status())["unreachable"] == []
    assert all(b.unreachable is None for b in (await harness.services.library.list_badges()).items)


async def test_expiring_badge_is_announced_once(harness: SyncHarness) -> None:
    """A valid badge expiring within 30 days gets one badge.expiring, not one per run."""
    expires = harness.clock.now + timedelta(days=10)
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER, expires=expires), EARNER)
    badge_id = await harness.save(badge)
    harness.clock.advance(hours=7)
    await harness.engine().run()
    harness.clock.advance(hours=7)
    await harness.engine().run()
    expiring = harness.sink.named("badge.expiring")
    assert [event["badge_id"] for event in expiring] == [badge_id]


async def test_expired_badge_is_announced(harness: SyncHarness) -> None:
    """A badge whose expiry passes becomes expired, with badge.expired."""
    expires = harness.clock.now + timedelta(days=2)
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER, expires=expires), EARNER)
    badge_id = await harness.save(badge)
    harness.clock.advance(days=3)
    summary = await harness.engine().run()
    assert summary.changed == 1
    assert [e["badge_id"] for e in harness.sink.named("badge.expired")] == [badge_id]


async def test_progress_events_cover_every_phase(harness: SyncHarness) -> None:
    """A run reports sync.progress for verify, uploads and pull, ending at total."""
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    await harness.save(badge)
    seen: list[tuple[int, int, str]] = []
    await harness.engine().run(force=True, progress=lambda d, t, p: seen.append((d, t, p)))
    phases = [event["phase"] for event in harness.sink.named("sync.progress")]
    assert {"verify", "uploads", "pull"} <= set(phases)
    assert (1, 1, "verify") in seen
    assert harness.sink.named("sync.done")


async def test_a_second_run_joins_the_first(harness: SyncHarness) -> None:
    """Two runs at once share one pass: the badge is checked once."""
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    badge_id = await harness.save(badge)
    saved_check = (await harness.services.library.verifications(badge_id))[0].checked_at
    harness.clock.advance(minutes=5)
    engine = harness.engine()
    first, second = await asyncio.gather(engine.run(force=True), engine.run(force=True))
    assert first is second
    assert first.checked == 1
    checks = await harness.services.library.verifications(badge_id)
    assert len(checks) == 1 and checks[0].checked_at > saved_check  # refreshed, once


async def test_a_cancelled_caller_cancels_its_run(harness: SyncHarness) -> None:
    """When the only caller is cancelled (agent stopping), the run stops with it."""
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    await harness.save(badge)
    issuer = harness.sandbox.issuer
    asked = asyncio.Event()
    original = issuer.handle

    async def slow(request):  # type: ignore[no-untyped-def]
        asked.set()
        await asyncio.sleep(30)
        return await original(request)

    issuer.handle = slow  # type: ignore[method-assign]
    engine = harness.engine(deadline=60.0)
    caller = asyncio.ensure_future(engine.run(force=True))
    await asyncio.wait_for(asked.wait(), 10)
    assert engine.running
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert not engine.running
