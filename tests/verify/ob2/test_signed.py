"""Signed OB 2.0 verification: a JWS whose payload is the assertion."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from agent.errors import ErrorCode
from tests.support.fake_fetcher import DictFetcher, Page
from tests.verify.ob2.support import (
    BADGE,
    ISSUER,
    KEY,
    ORIGIN,
    REVOCATIONS,
    SigningKey,
    b64url,
    check_named,
    codes,
    hand_made_token,
    issuer_doc,
    message_of,
    run,
    signed_assertion,
    signed_fetcher,
)

RSA = SigningKey("rsa")
P256 = SigningKey("p256")
ED = SigningKey("ed25519")


@pytest.mark.parametrize(
    ("key", "alg"), [(RSA, "RS256"), (RSA, "PS384"), (P256, "ES256"), (ED, "EdDSA")]
)
async def test_valid_signed_badge(key: SigningKey, alg: str) -> None:
    """A token signed by the issuer's listed key (RSA, EC or Ed25519) is valid."""
    fetcher = signed_fetcher(key)
    verdict = await run(key.sign(signed_assertion(), alg), fetcher)
    assert verdict.status == "valid", verdict.to_json()
    assert verdict.format == "signed"
    assert verdict.badge.name == "Robotics 101" and verdict.badge.issuer_id == ISSUER
    assert verdict.recipient.matched
    assert check_named(verdict, "signature") == [True]
    assert dict(fetcher.requests) == {BADGE: 1, ISSUER: 1, KEY: 1}


async def test_signed_badge_is_not_bound_to_an_origin() -> None:
    """A signed assertion with an id on another host is not refused for scope."""
    token = RSA.sign(signed_assertion(id="https://elsewhere.example/a/1"))
    verdict = await run(token, signed_fetcher(RSA))
    assert verdict.status == "valid", verdict.to_json()


async def test_alg_none_is_refused() -> None:
    """An unsigned token (alg: none) is ALG_REFUSED without looking at any key."""
    token = hand_made_token({"alg": "none"}, signed_assertion(), b"")
    fetcher = signed_fetcher(RSA)
    verdict = await run(token, fetcher)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["ALG_REFUSED"]
    assert not fetcher.requests


async def test_hmac_with_the_public_key_is_refused() -> None:
    """HS256 keyed with the issuer's public PEM (the classic confusion attack) is ALG_REFUSED."""
    header = b64url(json.dumps({"alg": "HS256"}).encode())
    body = b64url(json.dumps(signed_assertion()).encode())
    mac = hmac.new(RSA.public_pem.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    verdict = await run(f"{header}.{body}.{b64url(mac)}", signed_fetcher(RSA))
    assert codes(verdict) == ["ALG_REFUSED"]
    assert "HS256" in message_of(verdict, ErrorCode.ALG_REFUSED)


async def test_tampered_payload_is_signature_invalid() -> None:
    """Changing the payload after signing is SIGNATURE_INVALID."""
    token = RSA.sign(signed_assertion())
    header, _, signature = token.split(".")
    forged = signed_assertion(
        recipient={"type": "email", "hashed": False, "identity": "eve@x.example"}
    )
    tampered = f"{header}.{b64url(json.dumps(forged).encode())}.{signature}"
    verdict = await run(tampered, signed_fetcher(RSA))
    assert verdict.status == "invalid"
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_signed_by_another_key_is_signature_invalid() -> None:
    """A token signed by someone else's key, naming the issuer's key, is SIGNATURE_INVALID."""
    verdict = await run(SigningKey("rsa").sign(signed_assertion()), signed_fetcher(RSA))
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_algorithm_the_key_cannot_make_is_signature_invalid() -> None:
    """An ES256 token checked against an RSA key fails: the key type decides, not the header."""
    verdict = await run(P256.sign(signed_assertion(), "ES256"), signed_fetcher(RSA))
    assert codes(verdict) == ["SIGNATURE_INVALID"]
    assert "ES256" in message_of(verdict, ErrorCode.SIGNATURE_INVALID)


async def test_ec_curve_must_match_the_algorithm() -> None:
    """A P-384 key does not check an ES256 header."""
    p384 = SigningKey("p384")
    verdict = await run(P256.sign(signed_assertion(), "ES256"), signed_fetcher(p384))
    assert codes(verdict) == ["SIGNATURE_INVALID"]


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "e30.e30",
        "!!!.e30.c2ln",
        f"{b64url(b'not json')}.e30.c2ln",
        f"{b64url(json.dumps({'alg': 'RS256'}).encode())}.{b64url(b'not json')}.c2ln",
        f"{b64url(json.dumps({'alg': 'RS256'}).encode())}.{b64url(b'[1, 2]')}.c2ln",
        f"{b64url(json.dumps({'alg': 'RS256'}).encode())}.e30.c2ln=",
        f"{b64url(json.dumps({'alg': 'RS256'}).encode())}.e30.",
        f"{b64url(json.dumps({'alg': 'RS256', 'crit': ['exp']}).encode())}.e30.c2ln",
        f"{b64url(json.dumps(['alg']).encode())}.e30.c2ln",
        f"{b64url(json.dumps({'alg': 5}).encode())}.e30.c2ln",
    ],
)
async def test_malformed_tokens(token: str) -> None:
    """Bad base64, non-JSON header or payload, missing signature, unknown crit: TOKEN_MALFORMED."""
    verdict = await run(token, DictFetcher())
    assert codes(verdict) == ["TOKEN_MALFORMED"], verdict.to_json()


async def test_wrong_key_owner() -> None:
    """A listed key whose owner is someone else is KEY_OWNER_MISMATCH."""
    fetcher = signed_fetcher(RSA, key_doc=RSA.key_doc(owner="https://mallory.example/issuer"))
    verdict = await run(RSA.sign(signed_assertion()), fetcher)
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]
    assert "mallory.example" in message_of(verdict, ErrorCode.KEY_OWNER_MISMATCH)


async def test_creator_not_listed_by_issuer() -> None:
    """A creator key the issuer does not list is KEY_OWNER_MISMATCH, whatever owner it claims."""
    rogue = "https://mallory.example/key"
    fetcher = signed_fetcher(RSA)
    fetcher.add(rogue, RSA.key_doc(key_id=rogue))
    token = RSA.sign(signed_assertion(verification={"type": "SignedBadge", "creator": rogue}))
    verdict = await run(token, fetcher)
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]
    assert fetcher.requests[rogue] <= 1  # a speculative fetch at most; never trusted


async def test_without_creator_the_issuer_keys_are_tried() -> None:
    """With no creator, each key in the issuer's publicKey list is tried until one fits."""
    other_key, other_url = SigningKey("rsa"), f"{ORIGIN}/keys/old"
    issuer = issuer_doc(publicKey=[other_url, P256.key_doc(key_id=f"{ORIGIN}/keys/ec")])
    fetcher = signed_fetcher(P256, issuer=issuer)
    fetcher.add(other_url, other_key.key_doc(key_id=other_url))
    token = P256.sign(signed_assertion(verification={"type": "signed"}), "ES256")
    verdict = await run(token, fetcher)
    assert verdict.status == "valid", verdict.to_json()


async def test_issuer_without_keys_is_key_unavailable() -> None:
    """No creator and no publicKey: the signature cannot be checked (KEY_UNAVAILABLE)."""
    fetcher = signed_fetcher(RSA, issuer=issuer_doc())
    token = RSA.sign(signed_assertion(verification={"type": "SignedBadge"}))
    verdict = await run(token, fetcher)
    assert verdict.status == "error"
    assert codes(verdict) == ["KEY_UNAVAILABLE"]


async def test_key_not_found_is_key_unavailable() -> None:
    """A creator key that answers 404 is KEY_UNAVAILABLE (an error, not invalid)."""
    fetcher = signed_fetcher(RSA)
    fetcher.documents.pop(KEY)
    verdict = await run(RSA.sign(signed_assertion()), fetcher)
    assert verdict.status == "error"
    assert codes(verdict) == ["KEY_UNAVAILABLE"]


async def test_key_without_pem_is_key_unavailable() -> None:
    """A key document without publicKeyPem is KEY_UNAVAILABLE."""
    key_doc = RSA.key_doc()
    del key_doc["publicKeyPem"]
    verdict = await run(RSA.sign(signed_assertion()), signed_fetcher(RSA, key_doc=key_doc))
    assert codes(verdict) == ["KEY_UNAVAILABLE"]


async def test_signed_badge_issuer_must_come_from_its_id() -> None:
    """A signed badge whose issuer is embedded with a urn id cannot be trusted."""
    embedded_class = {
        "id": "urn:uuid:7c8d",
        "type": "BadgeClass",
        "name": "x",
        "description": "x",
        "image": "https://img.example/x.png",
        "criteria": "https://x.example/c",
        "issuer": {"id": "urn:uuid:1", "name": "x", "url": "https://x.example", "publicKey": KEY},
    }
    token = RSA.sign(signed_assertion(badge=embedded_class))
    verdict = await run(token, signed_fetcher(RSA))
    assert codes(verdict) == ["INVALID_PROPERTY"]


def _with_revocation_list(revocation_list: Any) -> DictFetcher:
    fetcher = signed_fetcher(RSA, issuer=issuer_doc(publicKey=KEY, revocationList=REVOCATIONS))
    if revocation_list is not None:
        fetcher.add(REVOCATIONS, revocation_list)
    return fetcher


ASSERTION_ID = signed_assertion()["id"]


@pytest.mark.parametrize(
    "entries",
    [
        [ASSERTION_ID],
        ["urn:uuid:other", {"id": ASSERTION_ID, "revocationReason": "Awarded in error"}],
        {"id": ASSERTION_ID, "revocationReason": "Awarded in error"},
        ASSERTION_ID,
    ],
    ids=["string-entry", "object-entry", "single-object", "single-string"],
)
async def test_revocation_list_revokes(entries: Any) -> None:
    """An id in revokedAssertions (string, object, or a lone entry) revokes the badge."""
    fetcher = _with_revocation_list({"type": "RevocationList", "revokedAssertions": entries})
    verdict = await run(RSA.sign(signed_assertion()), fetcher)
    assert verdict.status == "revoked", verdict.to_json()
    assert codes(verdict) == ["REVOKED"]
    if "Awarded" in json.dumps(entries):
        assert "Awarded in error" in message_of(verdict, ErrorCode.REVOKED)


async def test_revocation_list_without_this_badge_passes() -> None:
    """A list naming other badges (or un-revoking this one) leaves it valid."""
    entries = ["urn:uuid:other", {"id": ASSERTION_ID, "revoked": False}]
    fetcher = _with_revocation_list({"type": "RevocationList", "revokedAssertions": entries})
    verdict = await run(RSA.sign(signed_assertion()), fetcher)
    assert verdict.status == "valid", verdict.to_json()
    assert check_named(verdict, "revocation") == [True]
    assert fetcher.requests[REVOCATIONS] == 1


async def test_revocation_by_legacy_uid() -> None:
    """A 1.x-style entry naming the assertion's uid revokes it."""
    fetcher = _with_revocation_list(
        {"type": "RevocationList", "revokedAssertions": [{"uid": "abc123"}]}
    )
    verdict = await run(RSA.sign(signed_assertion(uid="abc123")), fetcher)
    assert codes(verdict) == ["REVOKED"]


@pytest.mark.parametrize("answer", [None, Page(b"oops", status=500, content_type="text/plain")])
async def test_unreachable_revocation_list_is_status_unavailable(answer: Any) -> None:
    """A revocation list that is missing or failing is STATUS_UNAVAILABLE (no verdict)."""
    verdict = await run(RSA.sign(signed_assertion()), _with_revocation_list(answer))
    assert verdict.status == "error"
    assert codes(verdict) == ["STATUS_UNAVAILABLE"]
    assert check_named(verdict, "revocation") == [False]
