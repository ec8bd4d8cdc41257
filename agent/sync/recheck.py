"""Re-verify one saved badge for sync, and turn what changed into events.

Rules:
- The badge is verified again from its stored payload, as the keeper does, with a deadline.
- A verdict of ``error`` caused only by not reaching the issuer (a refused connection, a
  timeout, a 5xx, the deadline) is NOT recorded: the badge keeps its last verdict and gets an
  ``unreachable`` note instead. Anything else is recorded; a change of status is announced
  (``badge.verified``, and ``badge.revoked`` / ``badge.expired`` for those). An unchanged
  status is not: ten thousand events per run would flood every client (a client 256 events
  behind is disconnected); ``sync.done`` tells them to read the library again.
- A valid badge expiring within 30 days is announced once per expiry date (``badge.expiring``).
- Verdicts are recorded in batches (one transaction, one fsync, for many badges): sync checks
  thousands of badges, and a commit per badge would make the disk the bottleneck.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from agent.bakery.model import PayloadKind, Unbaked
from agent.errors import ErrorCode
from agent.fetch.model import Fetcher
from agent.keeper import EventSink
from agent.library import AsyncLibrary, BadgeRecord
from agent.rpc.events import BADGE_EXPIRED, BADGE_EXPIRING, BADGE_REVOKED, BADGE_VERIFIED
from agent.sync.cadence import expiring_soon
from agent.sync.notes import SyncNote, Unreachable
from agent.verify import Verdict, VerifyContext, verify_unbaked

UNREACHABLE_CODES = frozenset(
    {
        ErrorCode.FETCH_FAILED,
        ErrorCode.FETCH_TIMEOUT,
        ErrorCode.HTTP_ERROR,
        ErrorCode.DEADLINE_EXCEEDED,
        # The issuer's key or its revocation / status list could not be fetched: the same
        # outage, met on another of the issuer's documents.
        ErrorCode.KEY_UNAVAILABLE,
        ErrorCode.STATUS_UNAVAILABLE,
    }
)

Outcome = Literal["unchanged", "changed", "unreachable"]


@dataclass(frozen=True)
class Recheck:
    """What checking one badge did."""

    badge_id: str
    outcome: Outcome
    status: str
    note: SyncNote


def is_unreachable(verdict: Verdict) -> bool:
    """True when the verdict is ``error`` only because the issuer could not be reached."""
    return (
        verdict.status == "error"
        and bool(verdict.errors)
        and all(f.code in UNREACHABLE_CODES or f.code.outcome != "error" for f in verdict.errors)
        and any(f.code in UNREACHABLE_CODES for f in verdict.errors)
    )


async def verify_record(
    record: BadgeRecord, fetcher: Fetcher, emails: tuple[str, ...], now: datetime, deadline: float
) -> Verdict:
    unbaked = Unbaked(
        payload=record.payload,
        kind=PayloadKind(record.payload_kind),
        container="text",
        keyword="library",
    )
    ctx = VerifyContext(fetcher=fetcher, clock=lambda: now, emails=emails)
    try:
        return await asyncio.wait_for(verify_unbaked(unbaked, ctx, source=record.id), deadline)
    except asyncio.TimeoutError:
        verdict = Verdict(source=record.id, checked_at=now)
        verdict.fail(ErrorCode.DEADLINE_EXCEEDED)
        return verdict


async def record_checks(
    library: AsyncLibrary,
    events: EventSink,
    checks: list[tuple[BadgeRecord, Verdict]],
    now: datetime,
) -> list[Recheck]:
    """Record a batch of verdicts (unreachable ones as notes) in few transactions; publish.

    A badge deleted while it was being checked is left out of the answer.
    """
    results: list[Recheck] = []
    notes: list[tuple[str, dict[str, str] | None, str | None]] = []
    to_record: list[tuple[BadgeRecord, Verdict]] = []
    for record, verdict in checks:
        if is_unreachable(verdict):
            first = verdict.errors[0]
            kept = Unreachable(now, first.code.name, first.message)
            announced = record.expiring_announced
            notes.append((record.id, kept.to_json(), announced))
            note = SyncNote(kept, announced)
            results.append(Recheck(record.id, "unreachable", record.status, note))
        else:
            to_record.append((record, verdict))
    if to_record:
        stored = await library.record_verifications([(r.id, v) for r, v in to_record])
        for (record, verdict), updated in zip(to_record, stored, strict=True):
            if updated is None:
                continue
            result = _announce(events, record, updated, verdict, now)
            if result.note.expiring_announced != updated.expiring_announced:
                notes.append((record.id, None, result.note.expiring_announced))
            results.append(result)
    if notes:
        await library.set_check_notes(notes)
    return results


def _announce(
    events: EventSink, record: BadgeRecord, updated: BadgeRecord, verdict: Verdict, now: datetime
) -> Recheck:
    changed = updated.status != record.status
    if changed:
        events.publish(
            BADGE_VERIFIED,
            {"badge": updated.to_json(), "status": verdict.status, "previous": record.status},
        )
    if changed and updated.status == "revoked":
        events.publish(BADGE_REVOKED, _change(updated, record))
    if changed and updated.status == "expired":
        events.publish(BADGE_EXPIRED, _change(updated, record))
    announced = record.expiring_announced
    if expiring_soon(updated, now) and updated.expires != announced:
        events.publish(BADGE_EXPIRING, {**_change(updated, record), "expires": updated.expires})
        announced = updated.expires
    outcome: Outcome = "changed" if changed else "unchanged"
    return Recheck(record.id, outcome, updated.status, SyncNote(None, announced))


def _change(updated: BadgeRecord, previous: BadgeRecord) -> dict[str, Any]:
    reason = updated.errors[0] if updated.errors else None
    return {
        "badge_id": updated.id,
        "name": updated.name,
        "issuer": updated.issuer_name,
        "status": updated.status,
        "previous": previous.status,
        "reason": dict(reason) if reason else None,
    }
