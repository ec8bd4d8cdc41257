"""VC-JWT: algorithms, keys (kid and jwk), key ownership and claims."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from agent.verify.ob3.signing import (
    did_key_from_public_key,
    public_jwk,
    sign_jws,
    sign_vc_jwt,
)
from tests.support.fake_fetcher import DictFetcher
from tests.verify.ob3.support import (
    ISSUER,
    KEY_ID,
    codes,
    credential,
    ed_key,
    jwk_method,
    p256_key,
    profile,
    rsa_key,
    verify_jwt,
)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    claims = {
        "iss": ISSUER,
        "jti": document["id"],
        "sub": document["credentialSubject"]["id"],
        "nbf": 1767225600,  # 2026-01-01T00:00:00Z, the credential's validFrom
        "vc": document,
    }
    claims.update(changes)
    return claims


def _jwk_profile(key: Any) -> DictFetcher:
    return DictFetcher({ISSUER: profile(ISSUER, jwk_method(KEY_ID, ISSUER, key))})


@pytest.mark.parametrize(
    ("alg", "make_key"),
    [("RS256", rsa_key), ("ES256", p256_key), ("EdDSA", ed_key)],
)
async def test_vc_jwt_verifies(alg: str, make_key: Any, fixed_now: datetime) -> None:
    """A VC-JWT signed with RS256, ES256 or EdDSA by a key in the issuer profile is valid."""
    key = make_key()
    token = sign_vc_jwt(credential(), key, kid=KEY_ID, alg=alg)
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert verdict.status == "valid", verdict.errors
    assert verdict.format == "vc-jwt"
    assert verdict.badge.name == "Teamwork"
    assert verdict.documents["credential"]["id"] == credential()["id"]


async def test_tampered_payload_is_signature_invalid(fixed_now: datetime) -> None:
    """Swapping in another payload under the same signature fails."""
    key = ed_key()
    header, _payload, signature = sign_vc_jwt(credential(), key, kid=KEY_ID, alg="EdDSA").split(".")
    other = _b64(_claims(credential(name="Forged Badge")))
    verdict = await verify_jwt(f"{header}.{other}.{signature}", _jwk_profile(key), fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_alg_none_is_refused(fixed_now: datetime) -> None:
    """An unsigned token ('alg': 'none') is refused before any key is looked up."""
    token = f"{_b64({'alg': 'none', 'kid': KEY_ID})}.{_b64(_claims(credential()))}."
    fetcher = _jwk_profile(ed_key())
    verdict = await verify_jwt(token, fetcher, fixed_now)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["ALG_REFUSED"]
    assert sum(fetcher.requests.values()) == 0
    assert verdict.badge.name == "Teamwork"  # the summary is still shown


async def test_hs256_with_the_public_key_as_secret_is_refused(fixed_now: datetime) -> None:
    """HMAC 'signed' with the published public key proves nothing: ALG_REFUSED."""
    import hashlib
    import hmac

    signing_input = f"{_b64({'alg': 'HS256', 'kid': KEY_ID})}.{_b64(_claims(credential()))}"
    secret = json.dumps(public_jwk(ed_key().public_key())).encode()
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    verdict = await verify_jwt(token, _jwk_profile(ed_key()), fixed_now)
    assert codes(verdict) == ["ALG_REFUSED"]


async def test_alg_that_does_not_match_the_key_is_refused(fixed_now: datetime) -> None:
    """An RS256 header over an Ed25519 key is refused, not tried."""
    key = ed_key()
    token = sign_jws({"alg": "EdDSA", "kid": KEY_ID}, _claims(credential()), key)
    header = _b64({"alg": "RS256", "kid": KEY_ID})
    token = header + token[token.index(".") :]
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert codes(verdict) == ["ALG_REFUSED"]


async def test_short_rsa_key_is_refused(fixed_now: datetime) -> None:
    """RS256 with a 1024-bit key is refused: such keys can be forged."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the point
    token = sign_vc_jwt(credential(), key, kid=KEY_ID, alg="RS256")
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert codes(verdict) == ["ALG_REFUSED"]


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "https://attacker.example/issuer"),
        ("jti", "urn:uuid:00000000-0000-0000-0000-000000000000"),
        ("sub", "did:example:someone-else"),
        ("nbf", 1767225600 + 86400),
        ("exp", 1700000000),
    ],
)
async def test_claims_disagreeing_with_credential(
    claim: str, value: Any, fixed_now: datetime
) -> None:
    """iss, jti, sub, nbf and exp must agree with the credential: CLAIMS_MISMATCH."""
    key = ed_key()
    document = credential(validUntil="2023-11-14T22:13:21Z") if claim == "exp" else credential()
    token = sign_jws({"alg": "EdDSA", "kid": KEY_ID}, _claims(document, **{claim: value}), key)
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert "CLAIMS_MISMATCH" in codes(verdict)
    assert verdict.status == "invalid"


async def test_missing_iss_is_claims_mismatch(fixed_now: datetime) -> None:
    """The iss claim is required."""
    key = ed_key()
    claims = _claims(credential())
    del claims["iss"]
    token = sign_jws({"alg": "EdDSA", "kid": KEY_ID}, claims, key)
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert codes(verdict) == ["CLAIMS_MISMATCH"]


async def test_claims_fill_what_the_vc_claim_leaves_out(fixed_now: datetime) -> None:
    """VC 1.1 JWT decoding: exp sets the expiry the vc claim omits (here: expired)."""
    key = ed_key()
    token = sign_jws(
        {"alg": "EdDSA", "kid": KEY_ID}, _claims(credential(), exp=1767312000), key
    )  # 2026-01-02
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert verdict.badge.expires == "2026-01-02T00:00:00Z"
    assert codes(verdict) == ["EXPIRED"]


async def test_vc2_style_payload_is_the_credential(fixed_now: datetime) -> None:
    """A VC 2.0 style token whose payload is the credential itself verifies."""
    key = ed_key()
    document = credential()
    payload = {**document, "iss": ISSUER, "jti": document["id"], "nbf": 1767225600}
    token = sign_jws({"alg": "EdDSA", "kid": KEY_ID, "typ": "vc+jwt"}, payload, key)
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_did_key_kid_for_did_key_issuer(fixed_now: datetime) -> None:
    """A did:key issuer's token with kid = its did:key verifies offline."""
    key = ed_key(21)
    did = did_key_from_public_key(key.public_key())
    token = sign_vc_jwt(credential(issuer=did), key, kid=f"{did}#{did[8:]}", alg="EdDSA")
    fetcher = DictFetcher()
    verdict = await verify_jwt(token, fetcher, fixed_now)
    assert verdict.status == "valid", verdict.errors
    assert sum(fetcher.requests.values()) == 0


async def test_p256_did_key_verifies_es256(fixed_now: datetime) -> None:
    """did:key with a P-256 key (multicodec 0x1200) works for ES256."""
    key = p256_key()
    did = did_key_from_public_key(key.public_key())
    assert did.startswith("did:key:zDn")
    token = sign_vc_jwt(credential(issuer=did), key, kid=did, alg="ES256")
    verdict = await verify_jwt(token, DictFetcher(), fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_kid_of_another_did_key_is_owner_mismatch(fixed_now: datetime) -> None:
    """A token signed by a did:key that is not the issuer is refused."""
    key = ed_key(22)
    did = did_key_from_public_key(key.public_key())
    token = sign_vc_jwt(credential(), key, kid=did, alg="EdDSA")
    verdict = await verify_jwt(token, _jwk_profile(ed_key()), fixed_now)
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]


async def test_header_jwk_listed_by_issuer_verifies(fixed_now: datetime) -> None:
    """A token carrying its key in 'jwk' verifies when the issuer profile lists that key."""
    key = p256_key()
    token = sign_jws(
        {"alg": "ES256", "jwk": public_jwk(key.public_key())}, _claims(credential()), key
    )
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_header_jwk_not_listed_by_issuer_is_owner_mismatch(fixed_now: datetime) -> None:
    """A self-supplied key the issuer does not list proves nothing about the issuer."""
    key = ed_key(23)
    token = sign_jws(
        {"alg": "EdDSA", "jwk": public_jwk(key.public_key())}, _claims(credential()), key
    )
    verdict = await verify_jwt(token, _jwk_profile(ed_key()), fixed_now)
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]


async def test_kid_on_foreign_site_not_listed_is_owner_mismatch(fixed_now: datetime) -> None:
    """A kid on another site, not listed by the issuer, is refused."""
    key = ed_key(24)
    kid = "https://keys.attacker.example/jwks#k1"
    fetcher = _jwk_profile(ed_key())
    fetcher.add(
        "https://keys.attacker.example/jwks",
        {"keys": [{**public_jwk(key.public_key()), "kid": "k1"}]},
    )
    token = sign_vc_jwt(credential(), key, kid=kid, alg="EdDSA")
    verdict = await verify_jwt(token, fetcher, fixed_now)
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]


async def test_kid_in_jwks_listed_by_issuer_verifies(fixed_now: datetime) -> None:
    """A kid in a JWKS elsewhere verifies when the issuer profile references it."""
    key = rsa_key()
    kid = "https://keys.issuer-cdn.example/jwks#k1"
    fetcher = DictFetcher()
    fetcher.add(
        "https://keys.issuer-cdn.example/jwks",
        {"keys": [{**public_jwk(key.public_key()), "kid": "k1"}]},
    )
    fetcher.add(ISSUER, profile(ISSUER, assertionMethod=[kid]))
    token = sign_vc_jwt(credential(), key, kid=kid, alg="RS256")
    verdict = await verify_jwt(token, fetcher, fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_relative_kid_is_read_against_the_issuer(fixed_now: datetime) -> None:
    """kid '#key-1' names the key of that id in the issuer's profile."""
    key = ed_key()
    token = sign_vc_jwt(credential(), key, kid="#key-1", alg="EdDSA")
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_token_without_key_reference_is_key_unavailable(fixed_now: datetime) -> None:
    """A token naming neither kid nor jwk cannot be checked."""
    key = ed_key()
    token = sign_jws({"alg": "EdDSA"}, _claims(credential()), key)
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert codes(verdict) == ["KEY_UNAVAILABLE"]


@pytest.mark.parametrize(
    "token",
    ["not a token", "a.b", "####.####.####", f"{_b64({'alg': 'EdDSA'})}.bm90IGpzb24.sig"],
)
async def test_malformed_token_is_token_malformed(token: str, fixed_now: datetime) -> None:
    """Tokens that are not three base64url JSON parts are TOKEN_MALFORMED."""
    verdict = await verify_jwt(token, DictFetcher(), fixed_now)
    assert codes(verdict) == ["TOKEN_MALFORMED"]


async def test_crit_header_is_refused(fixed_now: datetime) -> None:
    """A token demanding extensions we do not implement ('crit') is not accepted."""
    key = ed_key()
    token = sign_jws(
        {"alg": "EdDSA", "kid": KEY_ID, "crit": ["exp"], "exp": 1}, _claims(credential()), key
    )
    verdict = await verify_jwt(token, _jwk_profile(key), fixed_now)
    assert codes(verdict) == ["PROOF_UNSUPPORTED"]
