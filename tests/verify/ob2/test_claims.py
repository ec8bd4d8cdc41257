"""Dates and required properties of OB 2.0 documents."""

from __future__ import annotations

from typing import Any

import pytest

from agent.errors import ErrorCode
from tests.verify.ob2.support import (
    ASSERTION,
    DROP,
    EMAIL,
    assertion_doc,
    badge_doc,
    check_named,
    codes,
    hosted_fetcher,
    issuer_doc,
    message_of,
    run,
)


async def test_expired_badge_is_expired() -> None:
    """An expires in the past makes the badge expired, with the date in the message."""
    fetcher = hosted_fetcher(assertion=assertion_doc(expires="2026-03-01T00:00:00Z"))
    verdict = await run(ASSERTION, fetcher)
    assert verdict.status == "expired"
    assert codes(verdict) == ["EXPIRED"]
    assert "2026-03-01" in message_of(verdict, ErrorCode.EXPIRED)
    assert verdict.badge.expires == "2026-03-01T00:00:00Z"


async def test_future_expiry_is_valid() -> None:
    """An expires in the future leaves the badge valid and is shown."""
    fetcher = hosted_fetcher(assertion=assertion_doc(expires="2027-01-01T00:00:00+02:00"))
    verdict = await run(ASSERTION, fetcher)
    assert verdict.status == "valid"
    assert verdict.badge.expires == "2026-12-31T22:00:00Z"


async def test_issued_in_the_future_is_not_yet_valid() -> None:
    """issuedOn beyond the clock-skew tolerance is NOT_YET_VALID."""
    fetcher = hosted_fetcher(assertion=assertion_doc(issuedOn="2026-06-01T12:06:00Z"))
    verdict = await run(ASSERTION, fetcher)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["NOT_YET_VALID"]
    assert check_named(verdict, "dates") == [False]


async def test_issued_within_clock_skew_is_valid() -> None:
    """issuedOn a few minutes ahead (clock drift) is tolerated."""
    fetcher = hosted_fetcher(assertion=assertion_doc(issuedOn="2026-06-01T12:04:00Z"))
    verdict = await run(ASSERTION, fetcher)
    assert verdict.status == "valid"


async def test_expired_and_wrong_recipient_are_both_reported() -> None:
    """Checking goes on after a finding: expiry and recipient mismatch appear together."""
    fetcher = hosted_fetcher(assertion=assertion_doc(expires="2020-01-01T00:00:00Z"))
    verdict = await run(ASSERTION, fetcher, emails=("bob@example.org",))
    assert set(codes(verdict)) == {"EXPIRED", "RECIPIENT_MISMATCH"}
    assert verdict.status == "invalid"


async def test_unreadable_date_is_invalid_property() -> None:
    """An issuedOn that is not a date is INVALID_PROPERTY naming the field."""
    fetcher = hosted_fetcher(assertion=assertion_doc(issuedOn="last tuesday"))
    verdict = await run(ASSERTION, fetcher)
    assert codes(verdict) == ["INVALID_PROPERTY"]
    assert "issuedOn" in message_of(verdict, ErrorCode.INVALID_PROPERTY)


@pytest.mark.parametrize(
    ("where", "changes", "code", "named"),
    [
        ("badge", {"image": DROP}, "MISSING_PROPERTY", "'image'"),
        ("badge", {"name": DROP}, "MISSING_PROPERTY", "'name'"),
        ("badge", {"description": 42}, "INVALID_PROPERTY", "'description'"),
        ("badge", {"criteria": DROP}, "MISSING_PROPERTY", "'criteria'"),
        ("badge", {"type": "Achievement"}, "INVALID_PROPERTY", "'type'"),
        ("issuer", {"name": DROP}, "MISSING_PROPERTY", "'name'"),
        ("issuer", {"url": DROP, "email": DROP}, "MISSING_PROPERTY", "'url'"),
        ("issuer", {"type": DROP}, "MISSING_PROPERTY", "'type'"),
        ("assertion", {"issuedOn": DROP}, "MISSING_PROPERTY", "'issuedOn'"),
        ("assertion", {"verification": DROP}, "MISSING_PROPERTY", "'verification'"),
        ("assertion", {"verification": {"type": "Magic"}}, "INVALID_PROPERTY", "verification.type"),
        ("assertion", {"type": DROP}, "MISSING_PROPERTY", "'type'"),
        ("assertion", {"recipient": DROP}, "MISSING_PROPERTY", "'recipient'"),
        ("assertion", {"recipient": [EMAIL]}, "INVALID_PROPERTY", "'recipient'"),
    ],
)
async def test_required_properties(
    where: str, changes: dict[str, Any], code: str, named: str
) -> None:
    """Each missing or mistyped required property is reported, naming the property."""
    documents = {
        "assertion": assertion_doc(**(changes if where == "assertion" else {})),
        "badge": badge_doc(**(changes if where == "badge" else {})),
        "issuer": issuer_doc(**(changes if where == "issuer" else {})),
    }
    verdict = await run(ASSERTION, hosted_fetcher(**documents))
    assert verdict.status == "invalid", verdict.to_json()
    assert code in codes(verdict)
    assert named in message_of(verdict, ErrorCode[code])
    assert check_named(verdict, "structure") == [False]


async def test_issuer_with_email_but_no_url_is_acceptable() -> None:
    """An issuer reachable by e-mail only passes the structure check."""
    verdict = await run(ASSERTION, hosted_fetcher(issuer=issuer_doc(url=DROP)))
    assert check_named(verdict, "structure") == [True]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"badge": 42}, "INVALID_PROPERTY"),
        ({"badge": None}, "MISSING_PROPERTY"),
        ({"badge": ["a", "b"]}, "INVALID_PROPERTY"),
        ({"badge": "mailto:badge@example.org"}, "INVALID_PROPERTY"),
    ],
)
async def test_badge_reference_of_wrong_type(changes: dict[str, Any], code: str) -> None:
    """A badge reference that is not a URL or an object stops with a typed finding."""
    verdict = await run(ASSERTION, hosted_fetcher(assertion=assertion_doc(**changes)))
    assert codes(verdict) == [code]
    assert check_named(verdict, "fetch") == [False]


@pytest.mark.parametrize(("issuer", "code"), [(None, "MISSING_PROPERTY"), (7, "INVALID_PROPERTY")])
async def test_issuer_reference_of_wrong_type(issuer: Any, code: str) -> None:
    """A badge class whose issuer is null or a number stops with a typed finding."""
    verdict = await run(ASSERTION, hosted_fetcher(badge=badge_doc(issuer=issuer)))
    assert codes(verdict) == [code]
