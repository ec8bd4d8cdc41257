"""The recipient of an OB 2.0 assertion against the user's addresses."""

from __future__ import annotations

from typing import Any

import pytest

from agent.errors import ErrorCode
from agent.verify.result import Verdict
from tests.verify.ob2.support import (
    EMAIL,
    assertion_doc,
    check_named,
    codes,
    hosted_fetcher,
    identity_hash,
    message_of,
    run,
    warning_codes,
)


async def _verify_recipient(recipient: Any, emails: tuple[str, ...] = (EMAIL,)) -> Verdict:
    fetcher = hosted_fetcher(assertion=assertion_doc(recipient=recipient))
    return await run(assertion_doc(), fetcher, emails=emails)


@pytest.mark.parametrize(
    "recipient",
    [
        {
            "type": "email",
            "hashed": True,
            "salt": "deadsea",
            "identity": identity_hash(EMAIL, "deadsea"),
        },
        {"type": "email", "hashed": True, "identity": identity_hash(EMAIL)},
        {
            "type": "email",
            "hashed": True,
            "salt": "s",
            "identity": identity_hash(EMAIL, "s", "md5"),
        },
        {"type": "email", "hashed": True, "identity": identity_hash(EMAIL, algorithm="md5")},
        {
            "type": "email",
            "hashed": True,
            "salt": "x",
            "identity": identity_hash(EMAIL, "x").upper(),
        },
        {"type": "email", "hashed": True, "identity": "SHA256$" + identity_hash(EMAIL)[7:]},
        {"type": "email", "hashed": False, "identity": EMAIL.upper()},
        {"type": "email", "identity": identity_hash(EMAIL)},  # 'hashed' inferred
    ],
    ids=[
        "sha256-salted",
        "sha256",
        "md5-salted",
        "md5",
        "upper-hex",
        "upper-alg",
        "upper-email",
        "hashed-inferred",
    ],
)
async def test_recipient_forms_match(recipient: dict[str, Any]) -> None:
    """Hashed (sha256/md5, salted or not, any case) and plaintext identities match the user."""
    verdict = await _verify_recipient(recipient)
    assert verdict.status == "valid", verdict.to_json()
    assert verdict.recipient.checked and verdict.recipient.matched
    assert verdict.recipient.matched_address == EMAIL


async def test_hashed_identity_of_an_uppercase_address_matches() -> None:
    """A user address typed in capitals still matches a hash of the lower-cased address."""
    recipient = {
        "type": "email",
        "hashed": True,
        "salt": "pepper",
        "identity": identity_hash(EMAIL, "pepper"),
    }
    verdict = await _verify_recipient(recipient, emails=("Ada@Example.ORG",))
    assert verdict.recipient.matched


async def test_plaintext_mismatch_names_the_address() -> None:
    """A mismatch on a plaintext identity names it and says where to add it."""
    recipient = {"type": "email", "hashed": False, "identity": "grace@navy.example"}
    verdict = await _verify_recipient(recipient)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["RECIPIENT_MISMATCH"]
    message = message_of(verdict, ErrorCode.RECIPIENT_MISMATCH)
    assert "grace@navy.example" in message and "Settings → My addresses" in message
    assert verdict.recipient.checked and verdict.recipient.matched is False
    assert verdict.recipient.identity == "grace@navy.example"


async def test_hashed_mismatch_says_a_different_address() -> None:
    """A mismatch on a hashed identity says it was issued to a different address than yours."""
    recipient = {"type": "email", "hashed": True, "identity": identity_hash("grace@navy.example")}
    verdict = await _verify_recipient(recipient)
    assert codes(verdict) == ["RECIPIENT_MISMATCH"]
    assert "different e-mail address than yours" in message_of(
        verdict, ErrorCode.RECIPIENT_MISMATCH
    )
    assert verdict.recipient.identity is None and verdict.recipient.hashed


async def test_without_addresses_the_recipient_is_not_checked() -> None:
    """No configured addresses: not checked, a warning, and the badge stays valid."""
    verdict = await _verify_recipient(
        {"type": "email", "hashed": False, "identity": EMAIL}, emails=()
    )
    assert verdict.status == "valid"
    assert verdict.recipient.checked is False and verdict.recipient.matched is None
    assert warning_codes(verdict) == ["RECIPIENT_NOT_CHECKED"]
    assert check_named(verdict, "recipient") == [False]


async def test_non_email_identity_is_not_checked() -> None:
    """A url identity is not compared with e-mail addresses; a warning says so."""
    recipient = {"type": "url", "hashed": False, "identity": "https://ada.example/me"}
    verdict = await _verify_recipient(recipient)
    assert verdict.status == "valid"
    assert verdict.recipient.checked is False and verdict.recipient.type == "url"
    assert "https://ada.example/me" in message_of(verdict, ErrorCode.RECIPIENT_NOT_CHECKED)


async def test_unsupported_hash_algorithm() -> None:
    """A hash algorithm other than sha256/md5 is RECIPIENT_HASH_UNSUPPORTED, even unchecked."""
    recipient = {"type": "email", "hashed": True, "identity": "sha1$" + "a" * 40}
    for emails in ((EMAIL,), ()):
        verdict = await _verify_recipient(recipient, emails=emails)
        assert codes(verdict) == ["RECIPIENT_HASH_UNSUPPORTED"]
        assert "sha1" in message_of(verdict, ErrorCode.RECIPIENT_HASH_UNSUPPORTED)


async def test_hashed_flag_without_hash_form_is_invalid() -> None:
    """hashed: true with a plain identity is INVALID_PROPERTY, not a crash or a match."""
    verdict = await _verify_recipient({"type": "email", "hashed": True, "identity": EMAIL})
    assert codes(verdict) == ["INVALID_PROPERTY"]
