"""The correctness corpus: one case per rule of OB 2.0 verification, with the spec's answer.

Every case is served by the loopback issuer under ``/c`` (hosted ones), or carried whole (signed
tokens, a baked SVG). All share one issuer, which has a public key and a revocation list of one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from bench.issuer import Document
from bench.signing import SigningKey, tamper_signature, unsigned_alg_none
from bench.site import EARNER_EMAIL, OB2_CONTEXT, REVALIDATE, IssuerSite, hashed_recipient, iso

ExpectedStatus = Literal["valid", "invalid", "revoked", "expired", "error"]
CaseKind = Literal["url", "jws", "svg"]


@dataclass(frozen=True)
class Case:
    """One correctness case: what to hand both verifiers and what the spec says."""

    name: str
    expected: ExpectedStatus
    kind: CaseKind  # url: a hosted assertion URL; jws: a signed token; svg: a baked SVG's text
    value: str
    why: str


class _Corpus:
    """Collects the corpus's documents and cases while it is being built."""

    def __init__(self, site: IssuerSite, key: SigningKey) -> None:
        self.site = site
        self.key = key
        self.documents: dict[str, Document] = {}
        self.cases: list[Case] = []

    def serve_hosted(self, name: str, *, base: str, status: int = 200, **extra: Any) -> str:
        url = f"{base}/c/assertions/{name}.json"
        assertion = self.site.hosted_assertion(url, salt=f"salt-{name}", **extra)
        self.documents[f"/c/assertions/{name}.json"] = Document.json(
            assertion, status=status, cache_control=REVALIDATE
        )
        return url

    def hosted(self, name: str, expected: ExpectedStatus, why: str, **kwargs: Any) -> None:
        base = kwargs.pop("base", self.site.base)
        url = self.serve_hosted(name, base=base, **kwargs)
        self.cases.append(Case(name, expected, "url", url, why))

    def signed_assertion(
        self, name: str, *, creator: bool = True, assertion_id: str | None = None
    ) -> dict[str, Any]:
        verification: dict[str, Any] = {"type": "SignedBadge"}
        if creator:
            verification["creator"] = self.site.key_url
        return {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": assertion_id or f"urn:uuid:{uuid.uuid4()}",
            "recipient": hashed_recipient(EARNER_EMAIL, f"salt-{name}"),
            "badge": self.site.badge_class_url,
            "verification": verification,
            "issuedOn": "2024-03-01T12:00:00Z",
        }

    def token(self, name: str, expected: ExpectedStatus, why: str, token: str) -> None:
        self.cases.append(Case(name, expected, "jws", token, why))


def corpus_site(
    base: str, other_base: str, key: SigningKey
) -> tuple[dict[str, Document], list[Case]]:
    """The correctness cases, served under ``/c`` (one assertion is named on ``other_base``)."""
    site = IssuerSite(base, "/c")
    revoked_signed_id = f"urn:uuid:{uuid.uuid4()}"
    signed_docs = {
        "key": {
            "@context": OB2_CONTEXT,
            "type": "CryptographicKey",
            "id": site.key_url,
            "owner": site.issuer_url,
            "publicKeyPem": key.public_pem,
        },
        "revocations": {
            "@context": OB2_CONTEXT,
            "type": "RevocationList",
            "id": site.revocation_list_url,
            "issuer": site.issuer_url,
            "revokedAssertions": [{"id": revoked_signed_id, "revocationReason": "Issued in error"}],
        },
    }
    corpus = _Corpus(site, key)
    corpus.documents.update(site.shared_documents(signed=signed_docs))
    sign = key.sign_rs256

    corpus.hosted("hosted-valid", "valid", "hosted assertion, every check passes")
    corpus.token(
        "signed-valid",
        "valid",
        "RS256 JWS; creator key's owner is the issuer",
        sign(corpus.signed_assertion("signed-valid")),
    )
    corpus.hosted("revoked-410", "revoked", "hosted assertion answers 410 Gone", status=410)
    corpus.hosted(
        "revoked-flag",
        "revoked",
        "hosted assertion says revoked: true",
        revoked=True,
        revocationReason="Issued in error",
    )
    corpus.token(
        "signed-revoked-list",
        "revoked",
        "its id is in the issuer's revocation list (of one)",
        sign(corpus.signed_assertion("signed-revoked-list", assertion_id=revoked_signed_id)),
    )
    corpus.token(
        "signed-no-creator",
        "valid",
        "no verification.creator: the issuer's publicKey applies",
        sign(corpus.signed_assertion("signed-no-creator", creator=False)),
    )
    svg_url = corpus.serve_hosted("svg-baked", base=base)
    svg_assertion = site.hosted_assertion(svg_url, salt="salt-svg-baked")
    corpus.cases.append(
        Case(
            "svg-baked",
            "valid",
            "svg",
            baked_svg(svg_url, svg_assertion),
            "hosted assertion baked into an SVG (verify attribute + CDATA)",
        )
    )
    corpus.hosted(
        "expired",
        "expired",
        "expires is in the past",
        issuedOn="2020-01-01T00:00:00Z",
        expires="2021-01-01T00:00:00Z",
    )
    corpus.hosted(
        "wrong-recipient",
        "invalid",
        "recipient hash is of another address",
        recipient=hashed_recipient("someone.else@example.org", "salt-wrong-recipient"),
    )
    corpus.hosted(
        "scope-violation",
        "invalid",
        "assertion hosted on another origin than the issuer's (default allowedOrigins)",
        base=other_base,
    )
    corpus.token(
        "alg-none",
        "invalid",
        "alg: none is never accepted",
        unsigned_alg_none(corpus.signed_assertion("alg-none")),
    )
    corpus.token(
        "tampered-signature",
        "invalid",
        "the RS256 signature does not match",
        tamper_signature(sign(corpus.signed_assertion("tampered-signature"))),
    )
    corpus.hosted(
        "issued-in-future",
        "invalid",
        "issuedOn is a year from now",
        issuedOn=iso(datetime.now(timezone.utc) + timedelta(days=365)),
    )
    return corpus.documents, corpus.cases


def baked_svg(verify_url: str, assertion: dict[str, Any]) -> str:
    """A small SVG carrying the assertion as openbadges-bakery bakes it (verify + CDATA)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" '
        'width="64" height="64" viewBox="0 0 64 64">\n'
        f'<openbadges:assertion verify="{verify_url}"><![CDATA[{json.dumps(assertion)}]]>'
        "</openbadges:assertion>\n"
        '<circle cx="32" cy="32" r="30" fill="#1e6ec8"/>\n'
        "</svg>\n"
    )
