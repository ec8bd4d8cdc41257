"""The credential's shape, dates and recipient, on signed credentials (so only that check fails)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import pytest

from agent.verify.ob3.signing import sign_vc_jwt
from tests.verify.ob3.support import (
    KEY_ID,
    VC1,
    codes,
    credential,
    ed_key,
    issuer_fetcher,
    signed,
    verify_json,
    verify_jwt,
)

EMAIL = "ada@example.org"
SALT = "pepper-42"


def _hashed_identifier(address: str, salt: str = SALT) -> dict[str, Any]:
    digest = hashlib.sha256((address + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def with_subject(**subject_changes: Any) -> dict[str, Any]:
    document = credential()
    document["credentialSubject"].update(subject_changes)
    return document


# --- dates -------------------------------------------------------------------------------------


async def test_expired_credential(fixed_now: datetime) -> None:
    """validUntil in the past makes the badge expired (and nothing else)."""
    document = signed(credential(validUntil="2026-05-01T00:00:00Z"))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "expired"
    assert codes(verdict) == ["EXPIRED"]
    assert verdict.badge.expires == "2026-05-01T00:00:00Z"


async def test_not_yet_valid_credential(fixed_now: datetime) -> None:
    """validFrom more than five minutes ahead is NOT_YET_VALID."""
    document = signed(credential(validFrom="2026-06-01T12:06:00Z"))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["NOT_YET_VALID"]


async def test_small_clock_skew_is_tolerated(fixed_now: datetime) -> None:
    """validFrom four minutes ahead (clock skew) is still valid."""
    document = signed(credential(validFrom="2026-06-01T12:04:00Z"))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "valid", verdict.errors


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (
            {"issuanceDate": "2026-01-01T00:00:00Z", "expirationDate": "2026-02-01T00:00:00Z"},
            "EXPIRED",
        ),
        ({"issuanceDate": "2027-01-01T00:00:00Z"}, "NOT_YET_VALID"),
    ],
)
async def test_vc11_dates(dates: dict[str, str], expected: str, fixed_now: datetime) -> None:
    """VC 1.1 credentials use issuanceDate and expirationDate for the same checks."""
    document = credential(
        context=[VC1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    )
    del document["validFrom"]
    document.update(dates)
    verdict = await verify_json(signed(document), issuer_fetcher(), fixed_now)
    assert codes(verdict) == [expected]
    assert verdict.badge.issued_on == dates["issuanceDate"]


async def test_vc11_dates_in_vc_jwt(fixed_now: datetime) -> None:
    """A VC-JWT carrying a VC 1.1 credential is expired by its expirationDate (and exp)."""
    document = credential(
        context=[VC1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    )
    document["issuanceDate"] = document.pop("validFrom")
    document["expirationDate"] = "2026-03-01T00:00:00Z"
    token = sign_vc_jwt(document, ed_key(), kid=KEY_ID, alg="EdDSA")
    verdict = await verify_jwt(token, issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["EXPIRED"]


async def test_malformed_date_is_invalid_property(fixed_now: datetime) -> None:
    """A validFrom that is not a date is INVALID_PROPERTY under the dates check."""
    document = credential(validFrom="first of May")
    verdict = await verify_json(signed(document), issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["INVALID_PROPERTY"]
    assert any(check.name == "dates" and not check.passed for check in verdict.checks)


# --- recipient ---------------------------------------------------------------------------------


async def test_hashed_email_identifier_matches(fixed_now: datetime) -> None:
    """A salted sha256 identityHash of the user's address (any case) matches."""
    document = signed(with_subject(identifier=[_hashed_identifier(EMAIL)]))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now, emails=["Ada@Example.org"])
    assert verdict.status == "valid", verdict.errors
    assert verdict.recipient.checked is True
    assert verdict.recipient.matched is True
    assert verdict.recipient.hashed is True
    assert verdict.recipient.matched_address == "Ada@Example.org"


async def test_hashed_email_identifier_mismatch(fixed_now: datetime) -> None:
    """A hash of someone else's address is RECIPIENT_MISMATCH, saying what to do."""
    document = signed(with_subject(identifier=[_hashed_identifier("bob@example.org")]))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now, emails=[EMAIL])
    assert verdict.status == "invalid"
    assert codes(verdict) == ["RECIPIENT_MISMATCH"]
    assert verdict.recipient.checked is True
    assert verdict.recipient.matched is False
    assert "Settings" in verdict.errors[0].message


async def test_recipient_not_checked_without_addresses(fixed_now: datetime) -> None:
    """With no addresses configured the recipient is reported as not checked (a warning)."""
    document = signed(with_subject(identifier=[_hashed_identifier(EMAIL)]))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "valid"
    assert verdict.recipient.checked is False
    assert [w.code.name for w in verdict.warnings] == ["RECIPIENT_NOT_CHECKED"]


async def test_plain_email_identifier_and_mailto_subject(fixed_now: datetime) -> None:
    """An unhashed identifier and a mailto: subject id are compared as plain addresses."""
    plain = {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": False,
        "identityHash": EMAIL,
    }
    document = signed(with_subject(identifier=[plain]))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now, emails=["other@x.org"])
    assert codes(verdict) == ["RECIPIENT_MISMATCH"]
    assert EMAIL in verdict.errors[0].message
    document = signed(with_subject(id=f"mailto:{EMAIL}"))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now, emails=[EMAIL.upper()])
    assert verdict.recipient.matched is True
    assert verdict.recipient.identity == EMAIL


async def test_non_email_recipient_is_not_checked(fixed_now: datetime) -> None:
    """A DID recipient is not compared with e-mail addresses and raises no warning."""
    verdict = await verify_json(signed(credential()), issuer_fetcher(), fixed_now, emails=[EMAIL])
    assert verdict.status == "valid"
    assert verdict.recipient.checked is False
    assert verdict.recipient.type == "did"
    assert verdict.warnings == []


async def test_unsupported_hash_algorithm(fixed_now: datetime) -> None:
    """An identityHash with a hash the spec does not allow is RECIPIENT_HASH_UNSUPPORTED."""
    identifier = _hashed_identifier(EMAIL)
    identifier["identityHash"] = "sha1$" + "0" * 40
    document = signed(with_subject(identifier=[identifier]))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now, emails=[EMAIL])
    assert codes(verdict) == ["RECIPIENT_HASH_UNSUPPORTED"]


# --- structure ---------------------------------------------------------------------------------


async def test_not_an_open_badge_is_unknown_badge_type(fixed_now: datetime) -> None:
    """A VerifiableCredential that is not an OpenBadgeCredential is UNKNOWN_BADGE_TYPE."""
    document = signed(credential(type=["VerifiableCredential"]))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["UNKNOWN_BADGE_TYPE"]


async def test_achievement_credential_type_is_accepted(fixed_now: datetime) -> None:
    """AchievementCredential is the other name OB 3.0 allows."""
    document = signed(credential(type=["VerifiableCredential", "AchievementCredential"]))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_subject_without_id_or_identifier_is_missing_property(fixed_now: datetime) -> None:
    """A credentialSubject with neither id nor identifier is MISSING_PROPERTY."""
    document = credential()
    del document["credentialSubject"]["id"]
    verdict = await verify_json(signed(document), issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["MISSING_PROPERTY"]


@pytest.mark.parametrize("change", ["issuer", "achievement", "context"])
async def test_required_parts(change: str, fixed_now: datetime) -> None:
    """No issuer id, no achievement, or a non-VC first context each stop at the structure check."""
    document = signed(credential())
    if change == "issuer":
        document["issuer"] = {"name": "Nobody"}
    elif change == "achievement":
        del document["credentialSubject"]["achievement"]
    else:
        document["@context"] = list(reversed(document["@context"]))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "invalid"
    assert [c.name for c in verdict.checks if not c.passed] == ["structure"]


async def test_relative_credential_id_is_refused(fixed_now: datetime) -> None:
    """A relative id would drop out of the canonical form, and with it the signed claims."""
    document = signed(credential(id="badge-17"))
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["INVALID_PROPERTY"]


async def test_summary_reads_image_and_criteria_objects(fixed_now: datetime) -> None:
    """Image objects give their id; criteria without narrative give their id."""
    document = credential()
    achievement = document["credentialSubject"]["achievement"]
    achievement["image"] = {"id": "https://issuer.example/badge.png", "type": "Image"}
    achievement["criteria"] = {"id": "https://issuer.example/criteria"}
    verdict = await verify_json(signed(document), issuer_fetcher(), fixed_now)
    assert verdict.status == "valid", verdict.errors
    assert verdict.badge.image == "https://issuer.example/badge.png"
    assert verdict.badge.criteria == "https://issuer.example/criteria"
    assert verdict.badge.badge_class_id == "https://issuer.example/achievements/teamwork"
