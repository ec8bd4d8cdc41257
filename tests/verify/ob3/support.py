"""Builders for OB 3.0 verification tests: keys, credentials, issuer documents, and the call.

Keys are derived from fixed seeds so every run signs the same bytes; RSA keys (slow to make) are
made once per process.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from agent.bakery.model import PayloadKind, Unbaked
from agent.errors import BadgekeeperError
from agent.verify.context import VerifyContext
from agent.verify.ob3 import verify_ob3
from agent.verify.ob3.signing import add_data_integrity_proof, multikey_from_ed25519, public_jwk
from agent.verify.result import Verdict
from tests.support.fake_fetcher import DictFetcher

ISSUER = "https://issuer.example/profile"
KEY_ID = ISSUER + "#key-1"
VC2 = "https://www.w3.org/ns/credentials/v2"
VC1 = "https://www.w3.org/2018/credentials/v1"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREATED = "2026-01-01T00:00:00Z"

try:  # the whole pipeline, as the agent runs it (needs agent.bakery.read_source)
    from agent.verify import verify_unbaked as _verify_unbaked
except ImportError:  # pragma: no cover - only while agent.bakery is being written
    _verify_unbaked = None  # type: ignore[assignment]

VERIFY_UNBAKED: Any = _verify_unbaked


def ed_key(seed: int = 1) -> ed25519.Ed25519PrivateKey:
    """A deterministic Ed25519 key."""
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


@functools.cache
def p256_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0x1234567890ABCDEF, ec.SECP256R1())


@functools.cache
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def credential(
    *, issuer: str = ISSUER, context: Sequence[str] = (VC2, OB303), **changes: Any
) -> dict[str, Any]:
    """An unsigned VC 2.0 OpenBadgeCredential; keyword arguments replace top-level members."""
    document: dict[str, Any] = {
        "@context": list(context),
        "id": "urn:uuid:6f1a1c4e-6c0e-4d3c-9d53-6d4a8f7e1a01",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example Issuer"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Teamwork Badge",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works well with others.",
                "criteria": {"narrative": "Nominated by peers."},
            },
        },
    }
    document.update(copy.deepcopy(changes))
    return document


def multikey_method(
    method_id: str, controller: str, key: ed25519.Ed25519PrivateKey
) -> dict[str, Any]:
    return {
        "id": method_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": multikey_from_ed25519(key.public_key()),
    }


def jwk_method(method_id: str, controller: str, key: Any) -> dict[str, Any]:
    return {
        "id": method_id,
        "type": "JsonWebKey",
        "controller": controller,
        "publicKeyJwk": public_jwk(key.public_key()),
    }


def profile(issuer_id: str = ISSUER, *methods: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An issuer profile listing ``methods`` under verificationMethod."""
    document: dict[str, Any] = {
        "@context": [VC2, OB303],
        "id": issuer_id,
        "type": ["Profile"],
        "name": "Example Issuer",
        "verificationMethod": list(methods),
    }
    document.update(extra)
    return document


def issuer_fetcher(
    key: ed25519.Ed25519PrivateKey | None = None, documents: dict[str, Any] | None = None
) -> DictFetcher:
    """A fetcher serving the default issuer profile with ``KEY_ID`` as a Multikey, and more."""
    fetcher = DictFetcher()
    fetcher.add(ISSUER, profile(ISSUER, multikey_method(KEY_ID, ISSUER, key or ed_key())))
    for url, document in (documents or {}).items():
        fetcher.add(url, document)
    return fetcher


def signed(
    document: dict[str, Any], key: ed25519.Ed25519PrivateKey | None = None, **kw: Any
) -> dict[str, Any]:
    """``document`` with an eddsa-rdfc-2022 proof by ``KEY_ID`` (override via keywords)."""
    kw.setdefault("verification_method", KEY_ID)
    kw.setdefault("created", CREATED)
    return add_data_integrity_proof(document, key or ed_key(), **kw)


async def run(
    payload: str, kind: PayloadKind, fetcher: DictFetcher, now: datetime, emails: Sequence[str] = ()
) -> Verdict:
    """Verify one payload the way the agent does (through verify_unbaked when it imports)."""
    ctx = VerifyContext(fetcher=fetcher, clock=lambda: now, emails=tuple(emails))
    unbaked = Unbaked(payload=payload, kind=kind, container="text", keyword="test")
    if VERIFY_UNBAKED is not None:
        full: Verdict = await VERIFY_UNBAKED(unbaked, ctx, source="test")
        return full
    # Stand-in for verify_unbaked's own handling, used only while it cannot be imported.
    verdict = Verdict(source="test", checked_at=now)  # pragma: no cover
    verdict.spec = "ob3"
    try:
        await verify_ob3(unbaked, ctx, verdict)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message)
    return verdict


async def verify_json(
    document: dict[str, Any], fetcher: DictFetcher, now: datetime, emails: Sequence[str] = ()
) -> Verdict:
    return await run(json.dumps(document), PayloadKind.CREDENTIAL_JSON, fetcher, now, emails)


async def verify_jwt(
    token: str, fetcher: DictFetcher, now: datetime, emails: Sequence[str] = ()
) -> Verdict:
    return await run(token, PayloadKind.VC_JWT, fetcher, now, emails)


def codes(verdict: Verdict) -> list[str]:
    """The error codes of a verdict, by name."""
    return [finding.code.name for finding in verdict.errors]
