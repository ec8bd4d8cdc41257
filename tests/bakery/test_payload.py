"""Classifying payloads: the five kinds, and everything else refused with a code."""

from __future__ import annotations

import json

import pytest

from agent.bakery import MAX_PAYLOAD_BYTES, PayloadKind, classify_payload
from agent.errors import BakeryError, ErrorCode

from .builders import CREDENTIAL, HOSTED_ASSERTION, OB1_ASSERTION, b64url, payloads


@pytest.mark.parametrize("name", sorted(payloads()))
def test_each_kind_is_recognised(name: str) -> None:
    """Every payload fixture is classified as the kind it is named after."""
    assert classify_payload(payloads()[name]) is PayloadKind(name)


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        (OB1_ASSERTION, PayloadKind.ASSERTION_JSON),
        ({"@context": "https://w3id.org/openbadges/v2", "id": "x"}, PayloadKind.ASSERTION_JSON),
        ({"type": "Assertion"}, PayloadKind.ASSERTION_JSON),
        ({"recipient": {}, "badge": "https://b"}, PayloadKind.ASSERTION_JSON),
        ({"type": "AchievementCredential"}, PayloadKind.CREDENTIAL_JSON),
        ({"@context": ["https://www.w3.org/2018/credentials/v1"]}, PayloadKind.CREDENTIAL_JSON),
        (
            {"@context": [{"@vocab": "x"}, "https://purl.imsglobal.org/spec/ob/v3p0/context.json"]},
            PayloadKind.CREDENTIAL_JSON,
        ),
        # An OB 3.0 credential wins over assertion-looking keys.
        ({**CREDENTIAL, "verification": {}}, PayloadKind.CREDENTIAL_JSON),
    ],
)
def test_json_kinds(document: dict[str, object], kind: PayloadKind) -> None:
    """JSON is an assertion (OB 1.x/2.0) or a credential (OB 3.0) by its keys, type and context."""
    assert classify_payload(json.dumps(document)) is kind


@pytest.mark.parametrize(
    ("header", "claims", "kind"),
    [
        ({"alg": "RS256"}, HOSTED_ASSERTION, PayloadKind.JWS),
        ({"alg": "ES256"}, {"vc": CREDENTIAL}, PayloadKind.VC_JWT),
        ({"alg": "EdDSA"}, CREDENTIAL, PayloadKind.VC_JWT),  # VC 2.0: the payload is the VC
        ({"alg": "ES256", "typ": "vc+jwt"}, {"sub": "x"}, PayloadKind.VC_JWT),
    ],
)
def test_token_kinds(header: dict[str, str], claims: dict[str, object], kind: PayloadKind) -> None:
    """A compact JWS is a VC-JWT when its claims carry a credential or its typ says so."""
    token = f"{b64url(header)}.{b64url(claims)}.{b64url(b'any signature bytes')}"
    assert classify_payload(token) is kind


def test_unsigned_token_is_still_a_jws() -> None:
    """An ``alg: none`` token (empty signature) is classified, so the verifier can refuse it."""
    token = f"{b64url({'alg': 'none'})}.{b64url(HOSTED_ASSERTION)}."
    assert classify_payload(token) is PayloadKind.JWS


def test_token_with_undecodable_body_is_a_jws() -> None:
    """A token whose body is not JSON is left to the verifier (TOKEN_MALFORMED), not refused."""
    assert classify_payload(f"{b64url({'alg': 'RS256'})}.bm90IGpzb24.c2ln") is PayloadKind.JWS


@pytest.mark.parametrize(
    "text",
    [
        "https://issuer.example/a/1",
        "http://issuer.example/a/1",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "did:web:issuer.example",
        "  https://issuer.example/a/1\n",
    ],
)
def test_urls_of_any_scheme(text: str) -> None:
    """Any scheme is a URL, so the verifier refuses non-http ones with SCHEME_REFUSED."""
    assert classify_payload(text) is PayloadKind.URL


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", ErrorCode.PAYLOAD_MALFORMED),
        (" \n\t", ErrorCode.PAYLOAD_MALFORMED),
        ("hello world", ErrorCode.PAYLOAD_MALFORMED),
        ("just-a-word", ErrorCode.PAYLOAD_MALFORMED),
        ("https://a.example/ with space", ErrorCode.PAYLOAD_MALFORMED),
        ("[1, 2, 3]", ErrorCode.PAYLOAD_MALFORMED),
        ('{"name": "a thing"}', ErrorCode.PAYLOAD_MALFORMED),
        ("aaa.bbb.ccc", ErrorCode.PAYLOAD_MALFORMED),  # three parts, header not JSON
        ('{"recipient": ', ErrorCode.JSON_MALFORMED),
        ("{'single': 'quotes'}", ErrorCode.JSON_MALFORMED),
        ("[" * 100_000 + "]" * 100_000, ErrorCode.JSON_MALFORMED),
        ('{"a": "' + "x" * MAX_PAYLOAD_BYTES + '"}', ErrorCode.PAYLOAD_TOO_LARGE),
    ],
)
def test_everything_else_is_refused(text: str, code: ErrorCode) -> None:
    """Text that is none of the five kinds ends in a BakeryError with a precise code."""
    with pytest.raises(BakeryError) as caught:
        classify_payload(text)
    assert caught.value.code is code
    assert caught.value.message.endswith(".")
