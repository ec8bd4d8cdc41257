"""Any JSON value in any field ends in a verdict, never in an internal error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.bakery.model import PayloadKind, Unbaked
from agent.verify.result import Verdict
from tests.support.fake_fetcher import DictFetcher, Page
from tests.verify.ob2.support import (
    ASSERTION,
    BADGE,
    ISSUER,
    KEY,
    REVOCATIONS,
    SigningKey,
    assertion_doc,
    badge_doc,
    codes,
    hosted_fetcher,
    identity_hash,
    issuer_doc,
    run,
    signed_assertion,
    signed_fetcher,
)

pytestmark = pytest.mark.timeout(60)

RSA = SigningKey("rsa")
LIKELY_STRINGS = st.sampled_from(
    [
        ASSERTION,
        BADGE,
        ISSUER,
        KEY,
        REVOCATIONS,
        "",
        "urn:uuid:1",
        "javascript:alert(1)",
        "http://[::1",
        "https://issuer.example:99999/x",
        identity_hash("ada@example.org"),
        "md5$zz",
        "sha1$00",
        "$",
        "2026-01-01T00:00:00Z",
        "9999999999999999999",
        "HostedBadge",
        "SignedBadge",
        "Assertion",
        RSA.public_pem,
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | LIKELY_STRINGS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "type", "@id", "identity", "x"]), children, max_size=3
        )
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        "@context",
        "id",
        "type",
        "recipient",
        "badge",
        "verification",
        "verify",
        "issuedOn",
        "expires",
        "revoked",
        "revocationReason",
        "uid",
        "image",
        "criteria",
        "issuer",
        "name",
        "description",
        "url",
        "email",
        "publicKey",
        "revocationList",
        "owner",
        "publicKeyPem",
        "salt",
        "issued_on",
    ]
)
DOCUMENTS = st.sampled_from(["embedded", "assertion", "badge", "issuer", "key", "revocations"])
FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _assert_reached_a_verdict(verdict: Verdict) -> None:
    assert "INTERNAL_ERROR" not in codes(verdict), verdict.to_json()
    assert verdict.status in ("valid", "invalid", "revoked", "expired", "error")
    assert verdict.status == "valid" or verdict.errors
    json.dumps(verdict.to_json())


def _edit(documents: dict[str, dict[str, Any]], where: str, field: str, value: Any) -> None:
    if where in documents:
        documents[where][field] = value


@FUZZ
@given(where=DOCUMENTS, field=FIELDS, value=JSON_VALUES)
def test_hosted_fields_of_any_type(where: str, field: str, value: Any) -> None:
    """Hosted: any value in any field of any of the documents gives a verdict."""
    documents = {
        "embedded": assertion_doc(badge=badge_doc()),
        "assertion": assertion_doc(),
        "badge": badge_doc(),
        "issuer": issuer_doc(verification={"allowedOrigins": "issuer.example"}),
    }
    _edit(documents, where, field, value)
    fetcher = hosted_fetcher(documents["assertion"], documents["badge"], documents["issuer"])
    verdict = asyncio.run(run(documents["embedded"], fetcher))
    _assert_reached_a_verdict(verdict)


@FUZZ
@given(where=DOCUMENTS, field=FIELDS, value=JSON_VALUES)
def test_signed_fields_of_any_type(where: str, field: str, value: Any) -> None:
    """Signed: any value in any field of the payload, issuer, key or revocation list."""
    documents = {
        "embedded": signed_assertion(),
        "badge": badge_doc(),
        "issuer": issuer_doc(publicKey=[KEY], revocationList=REVOCATIONS),
        "key": RSA.key_doc(),
        "revocations": {"type": "RevocationList", "revokedAssertions": ["urn:uuid:x"]},
    }
    _edit(documents, where, field, value)
    fetcher = signed_fetcher(RSA, issuer=documents["issuer"], key_doc=documents["key"])
    fetcher.add(BADGE, documents["badge"])
    fetcher.add(REVOCATIONS, documents["revocations"])
    verdict = asyncio.run(run(RSA.sign(documents["embedded"]), fetcher))
    _assert_reached_a_verdict(verdict)


@FUZZ
@given(
    where=st.sampled_from([ASSERTION, BADGE, ISSUER]),
    value=JSON_VALUES,
    status=st.sampled_from([200, 200, 410, 500]),
)
def test_whole_documents_of_any_type(where: str, value: Any, status: int) -> None:
    """A document that is any JSON value at all (a list, a number, null) gives a verdict."""
    fetcher = hosted_fetcher()
    fetcher.add(where, Page(json.dumps(value).encode(), status=status))
    verdict = asyncio.run(run(assertion_doc(), fetcher))
    _assert_reached_a_verdict(verdict)


@FUZZ
@given(
    text=st.text(max_size=200)
    | st.builds(
        lambda a, b, c: f"{a}.{b}.{c}",
        st.text(max_size=40),
        st.text(max_size=40),
        st.text(max_size=40),
    ),
    kind=st.sampled_from([PayloadKind.JWS, PayloadKind.ASSERTION_JSON, PayloadKind.URL]),
)
def test_payload_text_of_any_shape(text: str, kind: PayloadKind) -> None:
    """Any payload text, under any OB 2.0 payload kind, gives a verdict."""
    verdict = asyncio.run(run(Unbaked(text, kind, "png", "openbadges"), DictFetcher()))
    _assert_reached_a_verdict(verdict)
    assert verdict.status != "valid"
