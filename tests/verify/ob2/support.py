"""Hand-built OB 2.0 documents, real keys and tokens, and one way to run the verifier."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import warnings
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey, RSAKey

from agent.bakery.model import PayloadKind, Unbaked
from agent.errors import BadgekeeperError, ErrorCode
from agent.verify.context import VerifyContext
from agent.verify.result import Verdict
from tests.support.fake_fetcher import DictFetcher

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
V2 = "https://w3id.org/openbadges/v2"
ORIGIN = "https://issuer.example"
ISSUER = f"{ORIGIN}/issuer"
BADGE = f"{ORIGIN}/badges/robotics"
ASSERTION = f"{ORIGIN}/assertions/123"
KEY = f"{ORIGIN}/keys/1"
REVOCATIONS = f"{ORIGIN}/revocations"
EMAIL = "ada@example.org"


def issuer_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": V2,
        "type": "Issuer",
        "id": ISSUER,
        "name": "Example Robotics Academy",
        "url": ORIGIN,
        "email": "badges@issuer.example",
    }
    return _changed(doc, changes)


def badge_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": V2,
        "type": "BadgeClass",
        "id": BADGE,
        "name": "Robotics 101",
        "description": "Built and programmed a line-following robot.",
        "image": f"{ORIGIN}/images/robotics.png",
        "criteria": {"narrative": "Build a robot that follows a line for 5 metres."},
        "issuer": ISSUER,
    }
    return _changed(doc, changes)


def assertion_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": V2,
        "type": "Assertion",
        "id": ASSERTION,
        "recipient": {"type": "email", "hashed": False, "identity": EMAIL},
        "badge": BADGE,
        "verification": {"type": "HostedBadge"},
        "issuedOn": "2026-01-15T10:00:00Z",
    }
    return _changed(doc, changes)


def _changed(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply keyword changes; the value ``DROP`` removes the property."""
    for key, value in changes.items():
        if value is DROP:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


DROP = object()


def hosted_fetcher(assertion: Any = None, badge: Any = None, issuer: Any = None) -> DictFetcher:
    """A fetcher serving one issuer's assertion, badge class and profile at their ids."""
    fetcher = DictFetcher()
    fetcher.add(ASSERTION, assertion if assertion is not None else assertion_doc())
    fetcher.add(BADGE, badge if badge is not None else badge_doc())
    fetcher.add(ISSUER, issuer if issuer is not None else issuer_doc())
    return fetcher


def identity_hash(identity: str, salt: str = "", algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm, (identity + salt).encode()).hexdigest()
    return f"{algorithm}${digest}"


def context(
    fetcher: Any, *, emails: Sequence[str] = (EMAIL,), now: datetime = NOW
) -> VerifyContext:
    return VerifyContext(fetcher=fetcher, clock=lambda: now, emails=tuple(emails))


def unbaked(payload: str | dict[str, Any], kind: PayloadKind | None = None) -> Unbaked:
    if isinstance(payload, dict):
        return Unbaked(json.dumps(payload), kind or PayloadKind.ASSERTION_JSON, "png", "openbadges")
    if kind is None:
        kind = PayloadKind.URL if payload.startswith("http") else PayloadKind.JWS
    return Unbaked(payload, kind, "png", "openbadges")


async def run(
    payload: str | dict[str, Any] | Unbaked,
    fetcher: Any,
    *,
    emails: Sequence[str] = (EMAIL,),
    now: datetime = NOW,
) -> Verdict:
    """Verify through agent.verify.verify_unbaked (the real outer catch) when it imports."""
    item = payload if isinstance(payload, Unbaked) else unbaked(payload)
    ctx = context(fetcher, emails=emails, now=now)
    try:
        from agent.verify import verify_unbaked
    except ImportError:  # the dispatcher's other imports are still being written
        from agent.verify.ob2 import verify_ob2

        verdict = Verdict(source="test", checked_at=now, spec="ob2")
        try:
            await verify_ob2(item, ctx, verdict)
        except BadgekeeperError as exc:
            verdict.fail(exc.code, exc.message)
        return verdict
    return await verify_unbaked(item, ctx, source="test")


def codes(verdict: Verdict) -> list[str]:
    return [finding.code.name for finding in verdict.errors]


def warning_codes(verdict: Verdict) -> list[str]:
    return [finding.code.name for finding in verdict.warnings]


def message_of(verdict: Verdict, code: ErrorCode) -> str:
    return next(f.message for f in (*verdict.errors, *verdict.warnings) if f.code is code)


def check_named(verdict: Verdict, name: str) -> list[bool]:
    return [check.passed for check in verdict.checks if check.name == name]


# --- keys and tokens -------------------------------------------------------------------------


class SigningKey:
    """A real private key, its public PEM and the joserfc key that signs with it."""

    def __init__(self, kind: str = "rsa") -> None:
        if kind == "rsa":
            private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.jose: Any = RSAKey.import_key(private)
        elif kind == "p256":
            private = ec.generate_private_key(ec.SECP256R1())
            self.jose = ECKey.import_key(private)
        elif kind == "p384":
            private = ec.generate_private_key(ec.SECP384R1())
            self.jose = ECKey.import_key(private)
        elif kind == "ed25519":
            private = ed25519.Ed25519PrivateKey.generate()
            self.jose = OKPKey.import_key(private)
        else:
            raise ValueError(kind)
        self.public_pem = (
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign(self, payload: dict[str, Any] | bytes, alg: str = "RS256") -> str:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)  # joserfc prefers "Ed25519" to "EdDSA"
            return jws.serialize_compact({"alg": alg}, body, self.jose, algorithms=[alg])

    def key_doc(self, key_id: str = KEY, owner: str = ISSUER) -> dict[str, Any]:
        return {
            "@context": V2,
            "type": "CryptographicKey",
            "id": key_id,
            "owner": owner,
            "publicKeyPem": self.public_pem,
        }


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made_token(header: dict[str, Any], payload: dict[str, Any], signature: bytes) -> str:
    """A compact JWS assembled by hand, for tokens no library would make."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url(signature)}"


def signed_assertion(**changes: Any) -> dict[str, Any]:
    doc = assertion_doc(
        id="urn:uuid:2f6e3a1c-6a43-4d8e-9f3b-3c4a2b1d0e9f",
        verification={"type": "SignedBadge", "creator": KEY},
    )
    return _changed(doc, changes)


def signed_fetcher(
    key: SigningKey,
    *,
    issuer: dict[str, Any] | None = None,
    key_doc: dict[str, Any] | None = None,
) -> DictFetcher:
    """Badge class, issuer (listing KEY) and the key document, at their ids."""
    fetcher = DictFetcher()
    fetcher.add(BADGE, badge_doc())
    fetcher.add(ISSUER, issuer if issuer is not None else issuer_doc(publicKey=KEY))
    fetcher.add(KEY, key_doc if key_doc is not None else key.key_doc())
    return fetcher


def deep(doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(doc)
