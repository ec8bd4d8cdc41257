"""Key material: base58btc, multikey, did:key, did:web URLs, JWK parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import ErrorCode, VerificationError
from agent.verify.ob3.keys import (
    did_key_method,
    did_web_document_url,
    jwk_from_public_key,
    key_from_jwk,
    key_from_multikey,
    keys_equal,
)
from agent.verify.ob3.multibase import base58btc_decode, base58btc_encode, multibase_decode
from agent.verify.ob3.signing import did_key_from_public_key, multikey_from_ed25519
from tests.verify.ob3.support import ed_key, p256_key, rsa_key


@given(st.binary(max_size=80))
def test_base58btc_round_trip(data: bytes) -> None:
    """base58btc decodes what it encodes, leading zero bytes included."""
    assert base58btc_decode(base58btc_encode(data)) == data


def test_base58btc_known_value() -> None:
    """The Bitcoin alphabet, checked against a published value."""
    assert base58btc_encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert base58btc_encode(b"\0\0\x01") == "112"


def test_base58_rejects_foreign_characters() -> None:
    """0, O, I and l are not base58: INVALID_PROPERTY, not a crash."""
    with pytest.raises(VerificationError) as caught:
        base58btc_decode("z0OIl")
    assert caught.value.code is ErrorCode.INVALID_PROPERTY


def test_multibase_refuses_unknown_bases() -> None:
    """Only z (base58btc) and u (base64url) are read."""
    with pytest.raises(VerificationError):
        multibase_decode("fdeadbeef")


def test_spec_vector_key_is_ed25519() -> None:
    """The vector's z6Mk… key decodes to an Ed25519 key (multicodec 0xed01)."""
    key = key_from_multikey("z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi")
    assert multikey_from_ed25519(key) == "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"  # type: ignore[arg-type]


def test_did_key_round_trip_for_ed25519_and_p256() -> None:
    """did:key of a key resolves back to the same key (Ed25519 z6Mk…, P-256 zDn…)."""
    for key in (ed_key().public_key(), p256_key().public_key()):
        did = did_key_from_public_key(key)
        method = did_key_method(did)
        assert keys_equal(method.key, key)
        assert method.controller == did
        assert method.id == f"{did}#{did[len('did:key:') :]}"


def test_did_key_fragment_must_name_the_key() -> None:
    """did:key has one key; any other fragment names no key."""
    did = did_key_from_public_key(ed_key().public_key())
    with pytest.raises(VerificationError) as caught:
        did_key_method(did + "#other")
    assert caught.value.code is ErrorCode.KEY_UNAVAILABLE


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:example.com%3A8443", "https://example.com:8443/.well-known/did.json"),
        ("did:web:example.com:user:alice", "https://example.com/user/alice/did.json"),
    ],
)
def test_did_web_urls(did: str, url: str) -> None:
    """did:web maps to its https document URL as the method specifies."""
    assert did_web_document_url(did) == url


@pytest.mark.parametrize(
    "did", ["did:web:evil.com@good.com", "did:web:a.com:x/../y", "did:web:a.com:p?q", "did:web:"]
)
def test_did_web_refuses_smuggled_urls(did: str) -> None:
    """A did:web cannot smuggle userinfo, slashes or queries into the URL."""
    with pytest.raises(VerificationError) as caught:
        did_web_document_url(did)
    assert caught.value.code is ErrorCode.KEY_UNAVAILABLE


def test_jwk_round_trip_for_every_key_type() -> None:
    """JWKs of Ed25519, P-256 and RSA keys read back as the same keys."""
    for key in (ed_key().public_key(), p256_key().public_key(), rsa_key().public_key()):
        assert keys_equal(key_from_jwk(jwk_from_public_key(key)), key)


def test_jwk_with_private_part_is_refused() -> None:
    """A published JWK that includes 'd' is refused: anyone could sign with it."""
    jwk = {**jwk_from_public_key(ed_key().public_key()), "d": "AAAA"}
    with pytest.raises(VerificationError) as caught:
        key_from_jwk(jwk)
    assert caught.value.code is ErrorCode.INVALID_PROPERTY


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},  # not on the curve
        {"kty": "OKP", "crv": "X25519", "x": "AAAA"},
        {"kty": "oct", "kk": "secret"},
        {"kty": "RSA", "n": "!!", "e": "AQAB"},
        "not a jwk",
    ],
)
def test_unusable_jwks_are_key_unavailable(jwk: object) -> None:
    """JWKs that are not valid public keys of a supported type are typed errors."""
    with pytest.raises(VerificationError):
        key_from_jwk(jwk)
