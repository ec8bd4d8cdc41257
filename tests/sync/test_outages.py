"""Outages during sync, injected by the real loopback sandbox: an issuer and a backpack that
answer 500, reset connections, trickle their bodies or hang. Nothing is lost, nothing is
delivered twice, and the state says what happened (issue #7, "Reliability").

The sandbox counts what it was asked (``IssuerServer.hits``, ``Faults.received``) and what it
spoiled, so every test also shows that the faults really met the sync run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from agent.library import UploadRecord
from agent.sandbox.issuer import IssuedBadge, SampleIssuer
from agent.sync import SyncSummary
from tests.sync.conftest import EARNER, SyncHarness

pytestmark = pytest.mark.timeout(60)

Make = Callable[[SampleIssuer], IssuedBadge]
BC_POST = "POST /bc/ims/ob/v2p1/assertions"
BC_LIST = "GET /bc/ims/ob/v2p1/assertions"


def hosted(issuer: SampleIssuer) -> IssuedBadge:
    return issuer.issue_ob2_hosted(EARNER)


def hosted_svg(issuer: SampleIssuer) -> IssuedBadge:
    return issuer.issue_ob2_hosted(EARNER, "python", svg=True)


def signed(issuer: SampleIssuer) -> IssuedBadge:
    return issuer.issue_ob2_signed(EARNER)


def vc_jwt(issuer: SampleIssuer) -> IssuedBadge:
    return issuer.issue_ob3_jwt(EARNER)


def data_integrity(issuer: SampleIssuer) -> IssuedBadge:
    return issuer.issue_ob3_data_integrity(EARNER, svg=False)


# issuer switch -> (the code the unreachable note carries, words its message has)
ISSUER_FAULTS = {
    "error_500": ("HTTP_ERROR", "answered 500"),
    "close": ("FETCH_FAILED", "connection broke off"),
    "reset_after_headers": ("FETCH_FAILED", "connection broke off"),
    "reset_mid_body": ("FETCH_FAILED", "connection broke off"),
    "trickle": ("FETCH_TIMEOUT", "did not answer within 1 s"),
    "hang": ("FETCH_TIMEOUT", "did not answer within 1 s"),
}
BADGE_GROUPS: dict[str, tuple[Make, ...]] = {
    "ob2": (hosted, hosted, signed),
    "ob3": (vc_jwt, data_integrity),
}
# The OB 3.0 key resolver reports a failed fetch of the issuer's profile as KEY_UNAVAILABLE,
# its message keeping the cause: a note may carry that code instead of the fetch's own.
WRAPPING_CODES: dict[str, tuple[str, ...]] = {"ob2": (), "ob3": ("KEY_UNAVAILABLE",)}


# --- helpers ------------------------------------------------------------------------------------


async def _save(harness: SyncHarness, makers: tuple[Make, ...]) -> dict[str, IssuedBadge]:
    saved = {}
    for make in makers:
        badge = harness.sandbox.issue(make, EARNER)
        saved[await harness.save(badge)] = badge
    return saved


async def _verdicts(harness: SyncHarness) -> dict[str, tuple[str, str]]:
    """Each badge's kept verdict: its status and when that verdict was reached."""
    page = await harness.services.library.list_badges(limit=500)
    return {record.id: (record.status, record.checked_at) for record in page.items}


async def _library_intact(harness: SyncHarness, count: int) -> None:
    library = harness.services.library
    assert (await library.list_badges()).total == count
    assert await library.integrity_errors() == []


async def _upload(harness: SyncHarness, badge_id: str, backpack: str) -> UploadRecord:
    uploads = {u.backpack: u for u in await harness.services.library.uploads(badge_id)}
    return uploads[backpack]


def _created(harness: SyncHarness) -> dict[str, int]:
    """How many times the backpack created each badge (a second copy would show as 2)."""
    return dict(harness.sandbox.backpack.store.created)


def _accepted(harness: SyncHarness) -> list[str]:
    store = harness.sandbox.backpack.store
    account = store.account_for_email(EARNER)
    assert account is not None
    return sorted(b.assertion_id for b in store.badges(account, accepted_only=True))


def _switched_on(faults: Any, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if getattr(faults, name) != 0]


def _parse_time(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- 1. the issuer fails during the verify phase -----------------------------------------------


@pytest.mark.parametrize("group", ["ob2", "ob3"])
@pytest.mark.parametrize("fault", list(ISSUER_FAULTS))
async def test_issuer_outage_keeps_every_verdict_and_says_why(
    harness: SyncHarness, fault: str, group: str
) -> None:
    """An issuer failing every request keeps each verdict, noted unreachable until it is healthy."""
    saved = await _save(harness, BADGE_GROUPS[group])
    before = await _verdicts(harness)
    assert {status for status, _ in before.values()} == {"valid"}
    issuer = harness.sandbox.issuer
    setattr(issuer.faults, fault, -1)
    hits, verified = issuer.total_hits, len(harness.sink.named("badge.verified"))
    harness.clock.advance(hours=25)

    summary = await harness.engine().run()

    assert issuer.total_hits > hits and issuer.faults.spoiled[fault] >= 1
    assert (summary.checked, summary.changed, summary.unreachable) == (len(saved), 0, len(saved))
    assert await _verdicts(harness) == before  # no verdict replaced, none lost
    assert len(harness.sink.named("badge.verified")) == verified
    code, words = ISSUER_FAULTS[fault]
    codes = {code, *WRAPPING_CODES[group]}
    status = await harness.engine().status()
    assert sorted(entry["badge_id"] for entry in status["unreachable"]) == sorted(saved)
    for entry in status["unreachable"]:
        assert entry["code"] in codes, entry
        assert "could not reach the issuer" in entry["note"] and words in entry["note"]
    for badge_id in saved:
        note = (await harness.services.library.get(badge_id)).unreachable
        assert note is not None and note["code"] in codes and words in note["message"]
    await _library_intact(harness, len(saved))

    issuer.faults.reset()
    harness.clock.advance(hours=2)
    healthy = await harness.engine().run()
    assert (healthy.checked, healthy.unreachable) == (len(saved), 0)
    assert (await harness.engine().status())["unreachable"] == []
    after = await _verdicts(harness)
    assert {status for status, _ in after.values()} == {"valid"}
    assert all(after[i][1] > before[i][1] for i in saved)  # checked again, this time for real
    await _library_intact(harness, len(saved))


@pytest.mark.parametrize(
    ("make", "path"),
    [
        pytest.param(signed, "/ob2/issuer/key", id="ob2-key"),
        pytest.param(signed, "/ob2/issuer/revocations", id="ob2-revocation-list"),
        pytest.param(vc_jwt, "/ob3/status/", id="ob3-status-list"),
    ],
)
async def test_one_unreachable_issuer_document_keeps_the_verdict(
    harness: SyncHarness, make: Make, path: str
) -> None:
    """An issuer whose key or status list alone fails keeps the badge's verdict, noted."""
    badge_id = next(iter(await _save(harness, (make,))))
    before = await _verdicts(harness)
    faults = harness.sandbox.issuer.faults
    faults.paths, faults.error_500 = (path,), -1
    harness.clock.advance(hours=25)
    summary = await harness.engine().run()
    assert faults.spoiled["error_500"] >= 1
    assert await _verdicts(harness) == before
    assert summary.unreachable == 1
    assert (await harness.services.library.get(badge_id)).unreachable is not None


# --- 2. the backpack fails during the upload drain ---------------------------------------------

# backpack switches -> (the code in summary.errors, words in last_error, the upload was stored)
UNREACHABLE, TIMEOUT, SERVER = "BACKPACK_UNREACHABLE", "BACKPACK_TIMEOUT", "BACKPACK_SERVER_ERROR"
BROKE, LATE = "The connection to the backpack", "did not answer within 1 s"
BACKPACK_FAULTS: dict[str, tuple[dict[str, int], str, str, bool]] = {
    "500": ({"error_500": -1}, SERVER, "server error (HTTP 500)", False),
    "500-retry-after": ({"error_500": -1, "retry_after": 600}, SERVER, "HTTP 500", False),
    "close": ({"close": -1}, UNREACHABLE, "closed the connection", False),
    "accept-then-close": ({"accept_then_close": -1}, UNREACHABLE, BROKE, True),
    "reset-after-headers": ({"reset_after_headers": -1}, UNREACHABLE, BROKE, True),
    "reset-mid-body": ({"reset_mid_body": -1}, UNREACHABLE, BROKE, True),
    "trickle": ({"trickle": -1}, TIMEOUT, LATE, True),
    "hang": ({"hang": -1}, TIMEOUT, LATE, False),
}


@pytest.mark.parametrize("fault", list(BACKPACK_FAULTS))
async def test_backpack_outage_keeps_uploads_queued_then_delivers_each_once(
    harness: SyncHarness, fault: str
) -> None:
    """A failing backpack keeps uploads queued with error and next try; later one copy each."""
    switches, code, words, stored = BACKPACK_FAULTS[fault]
    await harness.connect("sb")
    saved = await _save(harness, (hosted, hosted, signed))
    for badge_id in saved:
        await harness.services.backpacks.upload(badge_id, "sb")
    backpack = harness.sandbox.backpack
    for name, value in switches.items():
        setattr(backpack.faults, name, value)
    now = harness.clock()

    summary = await harness.engine().run()

    assert backpack.faults.received[BC_POST] == 1  # asked once: the others share the failure
    assert summary.uploads == 0
    assert summary.errors["upload:sb"]["code"] == code
    for badge_id in saved:
        upload = await _upload(harness, badge_id, "sb")
        assert upload.state == "queued" and upload.attempts == 1
        assert upload.last_error is not None and words in upload.last_error
        assert _parse_time(upload.next_attempt_at) > now
        if "retry_after" in switches:
            assert (_parse_time(upload.next_attempt_at) - now).total_seconds() >= 600
    assert sum(_created(harness).values()) == (1 if stored else 0)  # stored, not acknowledged
    assert harness.sink.named("upload.done") == []
    await _library_intact(harness, len(saved))

    backpack.faults.reset()
    harness.clock.advance(hours=1)
    recovered = await harness.engine().run()
    assert recovered.uploads == len(saved) and "upload:sb" not in recovered.errors
    assert {(await _upload(harness, i, "sb")).state for i in saved} == {"done"}
    assert _created(harness) == {badge.assertion_id: 1 for badge in saved.values()}
    assert _accepted(harness) == sorted(badge.assertion_id for badge in saved.values())
    assert backpack.faults.received[BC_POST] == 1 + len(saved)

    harness.clock.advance(hours=25)
    await harness.engine().run()
    assert backpack.faults.received[BC_POST] == 1 + len(saved)  # done is done: nothing resent


@pytest.mark.parametrize("fault", ["reset_mid_body", "trickle"])
@pytest.mark.parametrize(("kind", "make"), [("badgr", hosted), ("ob3", vc_jwt)])
async def test_lost_answer_is_delivered_once_to_every_kind(
    harness: SyncHarness, fault: str, kind: str, make: Make
) -> None:
    """Badgr and OB 3.0 backpacks that store a badge but lose the answer end with one copy."""
    await harness.connect("bp", kind)
    saved = await _save(harness, (make,))
    badge_id, badge = next(iter(saved.items()))
    await harness.services.backpacks.upload(badge_id, "bp")
    faults = harness.sandbox.backpack.faults
    setattr(faults, fault, 1)
    summary = await harness.engine().run()
    assert getattr(faults, fault) == 0 and summary.uploads == 0
    assert (await _upload(harness, badge_id, "bp")).state == "queued"
    assert _created(harness) == {badge.assertion_id: 1}  # it got there, unacknowledged
    harness.clock.advance(hours=1)
    await harness.engine().run()
    upload = await _upload(harness, badge_id, "bp")
    assert upload.state == "done" and upload.remote_id is not None
    assert _created(harness) == {badge.assertion_id: 1}
    assert harness.sink.named("upload.done")[-1]["duplicate"] is True


# --- 3. the backpack goes down during the pull phase -------------------------------------------

PULL_FAULTS = {
    "error_500": SERVER,
    "close": UNREACHABLE,
    "reset_mid_body": UNREACHABLE,
    "trickle": TIMEOUT,
    "hang": TIMEOUT,
}


@pytest.mark.parametrize("fault", list(PULL_FAULTS))
async def test_backpack_down_during_pull_is_reported_and_the_rest_ran(
    harness: SyncHarness, fault: str
) -> None:
    """A backpack failing at the pull is a pull:<name> error; the other phases ran, none lost."""
    await harness.connect("sb")
    saved = await _save(harness, (hosted, signed))
    first = next(iter(saved))
    await harness.services.backpacks.upload(first, "sb")
    only_there = harness.sandbox.issue(hosted, EARNER)  # in the backpack, not yet in the library
    backpack = harness.sandbox.backpack
    before = await _verdicts(harness)
    harness.clock.advance(hours=25)

    def backpack_goes_down(done: int, total: int, phase: str) -> None:
        if phase == "pull":
            setattr(backpack.faults, fault, -1)

    summary = await harness.engine().run(progress=backpack_goes_down)

    assert backpack.faults.received[BC_LIST] >= 1
    assert set(summary.errors) == {"pull:sb"}
    error = summary.errors["pull:sb"]
    assert error["code"] == PULL_FAULTS[fault] and "backpack" in error["message"]
    assert summary.checked == len(saved) and summary.pulled == 0
    assert summary.uploads == 1 and (await _upload(harness, first, "sb")).state == "done"
    assert {status for status, _ in (await _verdicts(harness)).values()} == {"valid"}
    assert set(await _verdicts(harness)) == set(before)
    await _library_intact(harness, len(saved))
    last = (await harness.engine().status())["last_run"]
    assert last is not None and last["errors"]["pull:sb"]["code"] == PULL_FAULTS[fault]

    backpack.faults.reset()
    harness.clock.advance(hours=1)
    recovered = await harness.engine().run()
    assert recovered.errors == {} and recovered.pulled == 1
    assert await harness.services.library.find(assertion_id=only_there.assertion_id) is not None
    await _library_intact(harness, len(saved) + 1)


# --- 4. both fail, on and off, over several runs -----------------------------------------------

ISSUER_SWITCHES = ("error_500", "hang", "close", "reset_after_headers", "reset_mid_body", "trickle")
BACKPACK_SWITCHES = (
    "error_500",
    "hang",
    "close",
    "accept_then_close",
    "reset_after_headers",
    "reset_mid_body",
    "trickle",
)
# Each run: the issuer's next requests that fail, the backpack's next API requests that fail.
# The issuer's are fewer than the badges, so the verify phase meets them all (a failed document
# is not cached, so each badge asks again while a fault is left) and the backpack's own checks
# of uploaded badges find the issuer healthy. Signed badges too: their key or revocation list
# may be the one request that fails, which must keep the verdict just the same.
SCHEDULE: list[tuple[dict[str, int], dict[str, int]]] = [
    ({"error_500": 3}, {"error_500": 1}),
    ({"trickle": 1, "reset_mid_body": 1}, {"accept_then_close": 1}),
    ({"close": 2, "reset_after_headers": 1}, {"hang": 1, "reset_mid_body": 1}),
    ({"hang": 1, "error_500": 1}, {}),
    ({"reset_mid_body": 2}, {"error_500": 1, "trickle": 1}),
]
LATE_WAVE = 4  # the second half of the badges is queued before this run, the first half is done


async def _uploads(harness: SyncHarness, badge_ids: list[str]) -> list[UploadRecord]:
    return [u for badge_id in badge_ids for u in await harness.services.library.uploads(badge_id)]


def _assert_consistent(harness: SyncHarness, uploads: list[UploadRecord]) -> None:
    """No second copy anywhere; an upload is done only when the backpack holds its badge."""
    assert all(count == 1 for count in _created(harness).values())
    held = set(_accepted(harness))
    assert {u.state for u in uploads} <= {"queued", "done"}  # nothing failed for good
    for upload in uploads:
        if upload.state == "done":
            assert upload.remote_id in held
        else:
            assert upload.last_error and upload.next_attempt_at  # says why, and when again


async def test_intermittent_issuer_and_backpack_faults_lose_and_duplicate_nothing(
    harness: SyncHarness,
) -> None:
    """Over runs where both fail now and then, badges stay valid and each upload lands once."""
    await harness.connect("sb")
    saved = await _save(harness, (hosted, signed, hosted_svg, signed))
    ids = list(saved)
    for badge_id in ids[:2]:
        await harness.services.backpacks.upload(badge_id, "sb")
    issuer, backpack = harness.sandbox.issuer, harness.sandbox.backpack
    summaries: list[SyncSummary] = []
    for number, (issuer_faults, backpack_faults) in enumerate(SCHEDULE):
        if number == LATE_WAVE:
            assert {u.state for u in await _uploads(harness, ids)} == {"done"}
            for badge_id in ids[2:]:
                await harness.services.backpacks.upload(badge_id, "sb")
        for name, count in issuer_faults.items():
            setattr(issuer.faults, name, count)
        for name, count in backpack_faults.items():
            setattr(backpack.faults, name, count)
        harness.clock.advance(hours=25)
        summaries.append(await harness.engine().run())
        assert _switched_on(issuer.faults, ISSUER_SWITCHES) == []  # all met by the verify phase
        assert _switched_on(backpack.faults, BACKPACK_SWITCHES) == []  # all met by this run
        assert {status for status, _ in (await _verdicts(harness)).values()} == {"valid"}
        _assert_consistent(harness, await _uploads(harness, ids))
        await _library_intact(harness, len(saved))
    harness.clock.advance(hours=25)
    final = await harness.engine().run()

    assert sum(s.unreachable for s in summaries) > 0 and final.unreachable == 0
    assert sum("upload:sb" in s.errors for s in summaries) == 4 and final.errors == {}
    for name in {name for faults, _ in SCHEDULE for name in faults}:
        assert issuer.faults.spoiled[name] > 0, name
    assert {u.state for u in await _uploads(harness, ids)} == {"done"}
    assert _created(harness) == {badge.assertion_id: 1 for badge in saved.values()}
    assert _accepted(harness) == sorted(badge.assertion_id for badge in saved.values())
    assert (await harness.engine().status())["unreachable"] == []
    assert {status for status, _ in (await _verdicts(harness)).values()} == {"valid"}
