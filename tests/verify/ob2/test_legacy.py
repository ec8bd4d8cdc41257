"""Open Badges 0.5, 1.0 and 1.1 badges, read as 2.0 with a warning."""

from __future__ import annotations

from typing import Any

from agent.errors import ErrorCode
from tests.support.fake_fetcher import DictFetcher, Page
from tests.verify.ob2.support import (
    EMAIL,
    ORIGIN,
    SigningKey,
    codes,
    identity_hash,
    message_of,
    run,
    warning_codes,
)

V1 = "https://w3id.org/openbadges/v1"
OLD_ASSERTION = f"{ORIGIN}/old/assertion-1.json"
OLD_BADGE = f"{ORIGIN}/old/badge.json"
OLD_ISSUER = f"{ORIGIN}/old/issuer.json"
OLD_KEY = f"{ORIGIN}/old/public.pem"


def assertion_0_5() -> dict[str, Any]:
    return {
        "recipient": identity_hash(EMAIL, "salty"),
        "salt": "salty",
        "issued_on": "2012-06-01",
        "badge": {
            "version": "0.5.0",
            "name": "Early Robotics",
            "image": "/img/early.png",
            "description": "An early badge.",
            "criteria": "/criteria.html",
            "issuer": {
                "origin": ORIGIN,
                "name": "Example",
                "org": "Robotics Club",
                "contact": "club@issuer.example",
            },
        },
    }


async def test_0_5_hosted_badge_is_read_as_2_0() -> None:
    """A 0.5 assertion at a URL (string recipient, salt, issued_on, issuer origin) is valid."""
    fetcher = DictFetcher({OLD_ASSERTION: assertion_0_5()})
    verdict = await run(OLD_ASSERTION, fetcher)
    assert verdict.status == "valid", verdict.to_json()
    assert warning_codes(verdict) == ["UPGRADED_LEGACY"]
    assert "0.5" in message_of(verdict, ErrorCode.UPGRADED_LEGACY)
    assert verdict.badge.image == f"{ORIGIN}/img/early.png"
    assert verdict.badge.criteria == f"{ORIGIN}/criteria.html"
    assert verdict.badge.issuer_name == "Example: Robotics Club"
    assert verdict.badge.issued_on == "2012-06-01T00:00:00Z"
    assert verdict.recipient.matched
    assert dict(fetcher.requests) == {OLD_ASSERTION: 1}


async def test_0_5_hosted_off_the_issuer_origin_is_out_of_scope() -> None:
    """A 0.5 assertion served from another origin than its issuer's is VERIFICATION_SCOPE."""
    copy_url = "https://copies.example/a.json"
    verdict = await run(copy_url, DictFetcher({copy_url: assertion_0_5()}))
    assert codes(verdict) == ["VERIFICATION_SCOPE"]


async def test_embedded_0_5_assertion_without_address_cannot_be_checked() -> None:
    """A 0.5 assertion embedded without its URL names nowhere to verify it: MISSING_PROPERTY."""
    verdict = await run(assertion_0_5(), DictFetcher())
    assert codes(verdict) == ["MISSING_PROPERTY"]


def assertion_1_x(version: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "uid": "abc123",
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": "deadsea",
            "identity": identity_hash(EMAIL, "deadsea"),
        },
        "issuedOn": 1359217910,
        "badge": OLD_BADGE,
        "verify": {"type": "hosted", "url": OLD_ASSERTION},
    }
    if version == "1.1":
        doc.update({"@context": V1, "type": "Assertion", "id": OLD_ASSERTION})
    return doc


def legacy_fetcher(version: str, assertion: Any = None) -> DictFetcher:
    badge: dict[str, Any] = {
        "name": "Robotics 1.x",
        "description": "A badge from the 1.x days.",
        "image": f"{ORIGIN}/old/badge.png",
        "criteria": f"{ORIGIN}/old/criteria",
        "issuer": OLD_ISSUER,
    }
    issuer: dict[str, Any] = {"name": "Example Academy", "url": ORIGIN}
    if version == "1.1":
        badge.update({"@context": V1, "type": "BadgeClass", "id": OLD_BADGE})
        issuer.update({"@context": V1, "type": "Issuer", "id": OLD_ISSUER})
    return DictFetcher(
        {
            OLD_ASSERTION: assertion if assertion is not None else assertion_1_x(version),
            OLD_BADGE: badge,
            OLD_ISSUER: issuer,
        }
    )


async def test_1_0_hosted_badge_is_read_as_2_0() -> None:
    """A 1.0 assertion (verify.url, uid, Unix issuedOn, no ids) is fetched from verify.url."""
    fetcher = legacy_fetcher("1.0")
    verdict = await run(assertion_1_x("1.0"), fetcher)
    assert verdict.status == "valid", verdict.to_json()
    assert warning_codes(verdict) == ["UPGRADED_LEGACY"]
    assert verdict.badge.id == OLD_ASSERTION
    assert verdict.badge.issued_on == "2013-01-26T16:31:50Z"
    assert verdict.badge.issuer_id == OLD_ISSUER and verdict.badge.name == "Robotics 1.x"
    assert dict(fetcher.requests) == {OLD_ASSERTION: 1, OLD_BADGE: 1, OLD_ISSUER: 1}


async def test_1_1_hosted_badge_is_read_as_2_0() -> None:
    """A 1.1 assertion (@context v1) with 1.1 badge class and issuer is valid, with a warning."""
    verdict = await run(assertion_1_x("1.1"), legacy_fetcher("1.1"))
    assert verdict.status == "valid", verdict.to_json()
    assert warning_codes(verdict) == ["UPGRADED_LEGACY"]
    assert "1.1" in message_of(verdict, ErrorCode.UPGRADED_LEGACY)


async def test_1_x_hosted_copy_naming_another_address_is_id_mismatch() -> None:
    """A 1.x document whose verify.url points elsewhere than where it was served is refused."""
    served = assertion_1_x("1.0")
    served["verify"] = {"type": "hosted", "url": f"{ORIGIN}/old/other.json"}
    verdict = await run(assertion_1_x("1.0"), legacy_fetcher("1.0", assertion=served))
    assert codes(verdict) == ["ID_MISMATCH"]


async def test_1_x_gone_is_revoked() -> None:
    """A 1.x hosted assertion answering 410 with {"revoked": true} is revoked."""
    gone = Page({"revoked": True}, status=410)
    verdict = await run(assertion_1_x("1.0"), legacy_fetcher("1.0", assertion=gone))
    assert verdict.status == "revoked"


def _signed_1_x(key_url: str) -> dict[str, Any]:
    doc = assertion_1_x("1.0")
    doc["verify"] = {"type": "signed", "url": key_url}
    return doc


async def test_1_x_signed_badge_with_key_on_issuer_origin() -> None:
    """A 1.x signed badge whose bare-PEM key is on the issuer's origin is valid."""
    key = SigningKey("rsa")
    fetcher = legacy_fetcher("1.0")
    fetcher.add(OLD_KEY, Page(key.public_pem, content_type="application/x-pem-file"))
    verdict = await run(key.sign(_signed_1_x(OLD_KEY)), fetcher)
    assert verdict.status == "valid", verdict.to_json()
    assert verdict.format == "signed" and verdict.badge.id == "abc123"
    assert warning_codes(verdict) == ["UPGRADED_LEGACY"]


async def test_1_x_signed_badge_with_key_elsewhere_is_not_trusted() -> None:
    """A 1.x signed badge naming a key on a foreign origin is KEY_OWNER_MISMATCH."""
    key, foreign = SigningKey("rsa"), "https://keys.mallory.example/pub.pem"
    fetcher = legacy_fetcher("1.0")
    fetcher.add(foreign, Page(key.public_pem, content_type="text/plain"))
    verdict = await run(key.sign(_signed_1_x(foreign)), fetcher)
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]


async def test_1_x_revocation_list_by_uid() -> None:
    """A 1.x revocation list ({uid: reason}) revokes a signed badge by its uid."""
    key = SigningKey("rsa")
    revocations = f"{ORIGIN}/old/revoked.json"
    fetcher = legacy_fetcher("1.0")
    fetcher.add(OLD_KEY, Page(key.public_pem, content_type="text/plain"))
    fetcher.add(
        OLD_ISSUER, {"name": "Example Academy", "url": ORIGIN, "revocationList": revocations}
    )
    fetcher.add(revocations, {"abc123": "Cheating"})
    verdict = await run(key.sign(_signed_1_x(OLD_KEY)), fetcher)
    assert codes(verdict) == ["REVOKED"]
    assert "Cheating" in message_of(verdict, ErrorCode.REVOKED)


async def test_context_free_2_0_shaped_assertion_is_located_by_its_id() -> None:
    """An assertion without @context but with a 2.0-style verification and http id is fetched."""
    doc = assertion_1_x("1.0")
    del doc["verify"]
    doc.update({"id": OLD_ASSERTION, "verification": {"type": "HostedBadge"}})
    fetcher = legacy_fetcher("1.0", assertion=doc)
    verdict = await run(doc, fetcher)
    assert verdict.status == "valid", verdict.to_json()
