"""Which public keys may check an OB 2.0 signed badge, and which algorithms each key allows.

Rules:
- Trust comes from the issuer Profile, read from its own id: a key is tried only when the
  profile lists it in ``publicKey`` (a URL, an embedded CryptographicKey, or a list of either).
- ``verification.creator`` names the one key to try; it must be listed too (the spec: "it must be
  authorized in the issuer Profile as well"), else KEY_OWNER_MISMATCH. Without a creator every
  listed key is tried (at most eight).
- A key document that names an ``owner`` must name the issuer's id, else KEY_OWNER_MISMATCH.
- OB 1.x put the key at ``verify.url`` and had no ``publicKey``: such a key is trusted when it is
  served from the issuer's own origin, and may be a bare PEM file.
- Only public keys in PEM (SubjectPublicKeyInfo, or a certificate) are read. The key type, never
  the token header, decides the algorithms: RSA (≥ 1024 bits) → RS*/PS*, EC → the ES* of its
  curve, Ed25519 → EdDSA. HMAC and ``none`` are never possible here.
- A key that cannot be fetched or read is KEY_UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey

from agent.errors import BadgekeeperError, ErrorCode
from agent.verify.documents import json_from_response
from agent.verify.ob2.legacy import ReadAssertion
from agent.verify.ob2.loader import DocumentLoader
from agent.verify.ob2.nodes import (
    Node,
    as_list,
    first_present,
    is_http_url,
    origin_of,
    reference_id,
    same_resource,
    shown,
)
from agent.verify.ob2.related import Linked

MAX_KEYS = 8
MIN_RSA_BITS = 1024
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
ED25519_ALGORITHMS = frozenset({"EdDSA", "Ed25519"})

JoseKey = RSAKey | ECKey | OKPKey


@dataclass(frozen=True)
class PublicKey:
    """A trusted public key, ready for joserfc, with the algorithms its type allows."""

    id: str | None
    jose_key: JoseKey
    algorithms: frozenset[str]
    description: str  # "RSA 2048-bit", "EC P-256", "Ed25519"


@dataclass(frozen=True)
class KeyOutcome:
    """One candidate key: usable, or the error that says why not."""

    key: PublicKey | None = None
    error: BadgekeeperError | None = None


def read_pem(pem: str, *, key_id: str | None) -> PublicKey:
    """A PEM public key (or certificate) as a :class:`PublicKey`; KEY_UNAVAILABLE otherwise."""
    data = pem.strip().encode("utf-8", "replace")
    where = f" {shown(key_id)}" if key_id else ""
    try:
        if b"BEGIN CERTIFICATE" in data:
            public: Any = x509.load_pem_x509_certificate(data).public_key()
        else:
            public = load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise BadgekeeperError(
            ErrorCode.KEY_UNAVAILABLE,
            f"The issuer's key{where} is not a readable PEM public key, so the signature cannot "
            "be checked. Tell the issuer.",
        ) from exc
    try:
        if isinstance(public, rsa.RSAPublicKey):
            if public.key_size < MIN_RSA_BITS:
                raise BadgekeeperError(
                    ErrorCode.KEY_UNAVAILABLE,
                    f"The issuer's key{where} is a {public.key_size}-bit RSA key, too short to "
                    "prove anything. Tell the issuer.",
                )
            return PublicKey(
                key_id, RSAKey.import_key(public), RSA_ALGORITHMS, f"RSA {public.key_size}-bit"
            )
        if isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name in EC_ALGORITHMS:
            return PublicKey(
                key_id,
                ECKey.import_key(public),
                frozenset({EC_ALGORITHMS[public.curve.name]}),
                f"EC {public.curve.name}",
            )
        if isinstance(public, ed25519.Ed25519PublicKey):
            return PublicKey(key_id, OKPKey.import_key(public), ED25519_ALGORITHMS, "Ed25519")
    except (JoseError, ValueError, TypeError) as exc:
        raise BadgekeeperError(
            ErrorCode.KEY_UNAVAILABLE, f"The issuer's key{where} could not be loaded."
        ) from exc
    raise BadgekeeperError(
        ErrorCode.KEY_UNAVAILABLE,
        f"The issuer's key{where} is of a type Badgekeeper does not use for Open Badges "
        "(RSA, EC P-256/384/521 and Ed25519 are supported). Tell the issuer.",
    )


def _owner_problem(document: Node, issuer_id: Any, key_id: str | None) -> BadgekeeperError | None:
    owner = reference_id(document.get("owner"))
    if owner is None or same_resource(owner, issuer_id):
        return None
    return BadgekeeperError(
        ErrorCode.KEY_OWNER_MISMATCH,
        f"The key {shown(key_id or 'that signed the badge')} belongs to {shown(owner)}, not to "
        f"the badge's issuer {shown(issuer_id)}. Do not trust this badge.",
    )


def _key_from_document(document: Node, issuer_id: Any, key_id: str | None) -> PublicKey:
    problem = _owner_problem(document, issuer_id, key_id)
    if problem is not None:
        raise problem
    pem = document.get("publicKeyPem")
    if not isinstance(pem, str) or not pem.strip():
        raise BadgekeeperError(
            ErrorCode.KEY_UNAVAILABLE,
            f"The issuer's key {shown(key_id or '')} has no 'publicKeyPem', so the signature "
            "cannot be checked. Tell the issuer.",
        )
    return read_pem(pem, key_id=key_id)


async def _load_key(entry: Any, issuer_id: Any, loader: DocumentLoader) -> PublicKey:
    if isinstance(entry, dict) and "publicKeyPem" in entry:
        return _key_from_document(entry, issuer_id, reference_id(entry))
    url = reference_id(entry)
    if not is_http_url(url):
        raise BadgekeeperError(
            ErrorCode.KEY_UNAVAILABLE,
            f"The issuer names its key as {shown(url if url else entry, 60)}, which is not an "
            "http(s) address Badgekeeper can read. Tell the issuer.",
        )
    key_url = str(url)
    try:
        response = await loader.response(key_url)
        body = response.body.lstrip()
        if body.startswith(b"-----BEGIN") and 200 <= response.status < 300:
            return read_pem(body.decode("utf-8", "replace"), key_id=key_url)
        document = json_from_response(response, what="public key")
    except BadgekeeperError as exc:
        if exc.code in (ErrorCode.KEY_UNAVAILABLE, ErrorCode.KEY_OWNER_MISMATCH):
            raise
        raise BadgekeeperError(
            ErrorCode.KEY_UNAVAILABLE,
            f"The issuer's public key at {shown(key_url)} could not be retrieved ({exc.message}) "
            "so the signature cannot be checked.",
        ) from exc
    return _key_from_document(document, issuer_id, key_url)


async def _outcome(entry: Any, issuer_id: Any, loader: DocumentLoader) -> KeyOutcome:
    try:
        return KeyOutcome(key=await _load_key(entry, issuer_id, loader))
    except BadgekeeperError as exc:
        return KeyOutcome(error=exc)


def _is_listed(key_id: str, listed: list[Any]) -> Any:
    return next((entry for entry in listed if same_resource(reference_id(entry), key_id)), None)


def _on_issuer_origin(url: str, issuer: Node) -> bool:
    key_origin = origin_of(url)
    return key_origin is not None and any(
        isinstance(candidate, str) and origin_of(candidate) == key_origin
        for candidate in (issuer.get("id"), issuer.get("url"))
    )


async def candidate_keys(
    assertion: ReadAssertion, issuer: Linked, loader: DocumentLoader
) -> list[KeyOutcome]:
    """Every key the issuer lets sign this assertion, loaded (or the error for each)."""
    issuer_id = issuer.node.get("id")
    listed = as_list(issuer.node.get("publicKey"))
    verification = first_present(assertion.node, "verification", "verify")
    creator = reference_id(verification.get("creator")) if isinstance(verification, dict) else None
    if creator is not None:
        entry = _is_listed(creator, listed)
        if entry is None:
            if not (assertion.legacy and not listed and _on_issuer_origin(creator, issuer.node)):
                return [
                    KeyOutcome(
                        error=BadgekeeperError(
                            ErrorCode.KEY_OWNER_MISMATCH,
                            f"The badge was signed with the key {shown(creator)}, which its "
                            f"issuer {shown(issuer_id)} does not list among its public keys. "
                            "Do not trust this badge.",
                        )
                    )
                ]
            entry = creator
        return [await _outcome(entry, issuer_id, loader)]
    if not listed:
        return [
            KeyOutcome(
                error=BadgekeeperError(
                    ErrorCode.KEY_UNAVAILABLE,
                    f"The issuer {shown(issuer_id)} publishes no public key ('publicKey'), so the "
                    "signature cannot be checked. Tell the issuer.",
                )
            )
        ]
    return list(
        await asyncio.gather(*(_outcome(entry, issuer_id, loader) for entry in listed[:MAX_KEYS]))
    )
