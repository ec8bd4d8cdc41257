"""Arbitrary JSON in any credential field ends in a verdict, never an escaped exception."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.errors import ErrorCode
from agent.verify.ob3.signing import sign_jws
from tests.verify.ob3.support import (
    ISSUER,
    KEY_ID,
    credential,
    ed_key,
    issuer_fetcher,
    signed,
    verify_json,
    verify_jwt,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
STATUSES = {"valid", "invalid", "revoked", "expired", "error"}
TRICKY_STRINGS = st.sampled_from(
    [
        "@id",
        "@type",
        "@context",
        "@graph",
        "@list",
        "@reverse",
        "@value",
        "@vocab",
        "_:b0",
        "did:web:issuer.example",
        "did:key:z6Mk",
        "did:example:1",
        KEY_ID,
        ISSUER,
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/security/v2",
        "mailto:a@b.c",
        "sha256$00",
        "eddsa-rdfc-2022",
        "DataIntegrityProof",
        "1EdTechRevocationList",
        "BitstringStatusListEntry",
        "2026-01-01T00:00:00Z",
        "u",
        "z",
        "",
        "12",
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | TRICKY_STRINGS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6) | TRICKY_STRINGS, children, max_size=4)
    ),
    max_leaves=12,
)
PATHS = [
    ("@context",),
    ("type",),
    ("id",),
    ("name",),
    ("issuer",),
    ("issuer", "id"),
    ("validFrom",),
    ("validUntil",),
    ("credentialStatus",),
    ("credentialSubject",),
    ("credentialSubject", "id"),
    ("credentialSubject", "identifier"),
    ("credentialSubject", "achievement"),
    ("credentialSubject", "achievement", "image"),
    ("proof",),
    ("proof", "verificationMethod"),
    ("proof", "proofValue"),
    ("proof", "cryptosuite"),
    ("proof", "@context"),
    ("proof", "type"),
]
_BASE = signed(credential())


def _replace(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    result = copy.deepcopy(document)
    node: Any = result
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return result


def _assert_verdict(verdict: Any) -> None:
    assert verdict.status in STATUSES
    assert not verdict.has_code(ErrorCode.INTERNAL_ERROR), verdict.errors
    json.dumps(verdict.to_json())  # the report is always serialisable
    if verdict.status != "valid":
        assert verdict.errors


@pytest.mark.timeout(300)
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=JSON_VALUES)
def test_any_json_in_a_credential_field_gets_a_verdict(path: tuple[str, ...], value: Any) -> None:
    """Replacing any credential field with arbitrary JSON yields a verdict, never a traceback."""
    document = _replace(_BASE, path, value)
    verdict = asyncio.run(verify_json(document, issuer_fetcher(), NOW, emails=["a@b.c"]))
    _assert_verdict(verdict)


@pytest.mark.timeout(300)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    claims=st.dictionaries(
        st.sampled_from(["iss", "jti", "sub", "nbf", "exp", "vc", "@context", "type"]),
        JSON_VALUES,
        max_size=6,
    ),
    header_extra=st.dictionaries(
        st.sampled_from(["kid", "jwk", "typ", "crit"]), JSON_VALUES, max_size=2
    ),
)
def test_any_claims_in_a_signed_token_get_a_verdict(
    claims: dict[str, Any], header_extra: dict[str, Any]
) -> None:
    """A correctly signed VC-JWT with arbitrary claims and header members yields a verdict."""
    payload = {"iss": ISSUER, "vc": credential(), **claims}
    header = {"alg": "EdDSA", "kid": KEY_ID, **header_extra}
    token = sign_jws(header, payload, ed_key())
    verdict = asyncio.run(verify_jwt(token, issuer_fetcher(), NOW))
    _assert_verdict(verdict)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200) | JSON_VALUES.map(json.dumps))
def test_any_payload_text_gets_a_verdict(text: str) -> None:
    """Any text handed over as credential JSON or as a token yields a verdict."""
    for verify in (verify_json, verify_jwt):
        if verify is verify_json:
            verdict = asyncio.run(_json_text(text))
        else:
            verdict = asyncio.run(verify_jwt(text, issuer_fetcher(), NOW))
        _assert_verdict(verdict)


async def _json_text(text: str) -> Any:
    from agent.bakery.model import PayloadKind
    from tests.verify.ob3.support import run

    return await run(text, PayloadKind.CREDENTIAL_JSON, issuer_fetcher(), NOW)
