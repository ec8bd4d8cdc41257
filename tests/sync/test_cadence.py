"""The cadence table: when a saved badge is due again (pure, with a fixed clock)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from agent.library import BadgeRecord
from agent.library.saving import iso
from agent.sync.cadence import DAILY, HOURLY, SOON, WEEKLY, interval_for, is_due, next_check

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def _badge(status: str = "valid", **fields: object) -> BadgeRecord:
    base = BadgeRecord(
        id="b1",
        assertion_id=None,
        spec="ob2",
        format=None,
        payload="{}",
        payload_kind="assertion-json",
        sha256=None,
        media_type=None,
        name="A badge",
        description=None,
        criteria=None,
        image_url=None,
        issuer_id=None,
        issuer_name=None,
        issuer_url=None,
        badge_class_id=None,
        issued_on=iso(NOW - timedelta(days=100)),
        expires=None,
        status=status,  # type: ignore[arg-type]
        checked_at=iso(NOW - timedelta(hours=2)),
        errors=(),
        warnings=(),
        recipient={},
        saved_at=iso(NOW - timedelta(days=100)),
        updated_at=iso(NOW),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("record", "interval"),
    [
        (_badge(), DAILY),
        (_badge(issued_on=iso(NOW - timedelta(days=2))), SOON),
        (_badge(expires=iso(NOW + timedelta(days=20))), SOON),
        (_badge(expires=iso(NOW + timedelta(days=60))), DAILY),
        (_badge("revoked"), WEEKLY),
        (_badge("invalid"), WEEKLY),
        (_badge("expired"), WEEKLY),
        (_badge("error"), HOURLY),
    ],
)
def test_interval_follows_the_table(record: BadgeRecord, interval: timedelta) -> None:
    """Each state gets the interval the documented table gives it."""
    assert interval_for(record, NOW) == interval


def test_due_after_the_interval_only() -> None:
    """A daily badge checked 2 h ago is not due; checked 25 h ago it is."""
    assert not is_due(_badge(), NOW)
    assert is_due(_badge(checked_at=iso(NOW - timedelta(hours=25))), NOW)


def test_an_unreadable_check_time_is_due() -> None:
    """A checked_at that does not parse never strands a badge."""
    assert is_due(_badge(checked_at="garbage"), NOW)


def test_an_unreachable_attempt_defers_by_an_hour() -> None:
    """After an unreachable try, the badge waits an hour from that try."""
    record = _badge("error", checked_at=iso(NOW - timedelta(hours=5)))
    attempt = NOW - timedelta(minutes=10)
    assert next_check(record, NOW, attempt) == attempt + HOURLY
    assert not is_due(record, NOW, attempt)
