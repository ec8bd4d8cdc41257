"""How often a saved badge is checked again, by what it is now.

Rules (the table is documented in docs/PROTOCOL.md, "Sync"):
- A valid badge that expires within 30 days, or was issued within the last 7 days, is checked
  every 6 hours: that is when a revocation or an expiry is most likely to matter.
- Any other valid badge is checked daily; revoked, invalid and expired ones weekly (they rarely
  change back); a badge whose last check ended in ``error`` hourly.
- A badge whose issuer could not be reached keeps its last verdict; it is tried again an hour
  after that attempt, whatever its status.
- Times that do not parse count as "long ago": an unreadable date must never strand a badge.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from agent.library import BadgeRecord

SOON = timedelta(hours=6)
DAILY = timedelta(days=1)
WEEKLY = timedelta(days=7)
HOURLY = timedelta(hours=1)
EXPIRING_WITHIN = timedelta(days=30)
RECENTLY_ISSUED = timedelta(days=7)
UNREACHABLE_RETRY = HOURLY

_LONG_AGO = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime, or None."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def expiring_soon(record: BadgeRecord, now: datetime) -> bool:
    """A valid badge that expires within 30 days from ``now`` (and has not expired yet)."""
    expires = parse_time(record.expires)
    return (
        record.status == "valid" and expires is not None and now < expires <= now + EXPIRING_WITHIN
    )


def interval_for(record: BadgeRecord, now: datetime) -> timedelta:
    """How long after its last check ``record`` is due again."""
    if record.status == "error":
        return HOURLY
    if record.status != "valid":
        return WEEKLY
    issued = parse_time(record.issued_on)
    if expiring_soon(record, now) or (issued is not None and now - issued <= RECENTLY_ISSUED):
        return SOON
    return DAILY


def next_check(record: BadgeRecord, now: datetime, last_attempt: datetime | None) -> datetime:
    """When ``record`` is next due; ``last_attempt`` is an unreachable try after its last check."""
    checked = parse_time(record.checked_at) or _LONG_AGO
    due = checked + interval_for(record, now)
    if last_attempt is not None and last_attempt > checked:
        due = max(due, last_attempt + UNREACHABLE_RETRY)
    return due


def is_due(record: BadgeRecord, now: datetime, last_attempt: datetime | None = None) -> bool:
    return next_check(record, now, last_attempt) <= now
