"""Signing OB 3.0 credentials, for the local test/demo issuer and for tests.

The verifier in this package checks exactly what these functions produce:

- :func:`sign_vc_jwt` — a VC-JWT in VC 1.1 style: header ``{"alg", "typ": "JWT", "kid"}``,
  claims ``iss`` (issuer id), ``jti`` (credential id), ``sub`` (subject id), ``nbf``
  (validFrom/issuanceDate), ``exp`` (validUntil/expirationDate, when present) and ``vc``.
- :func:`add_data_integrity_proof` — an embedded ``DataIntegrityProof`` (``eddsa-rdfc-2022`` or
  the older ``eddsa-2022``) or an ``Ed25519Signature2020`` proof. The context the proof type needs
  is appended to ``@context`` when missing (data-integrity/v2 for a VC 1.1 credential; the
  ed25519-2020 suite context for Ed25519Signature2020). Every context must be one Badgekeeper
  bundles, or signing fails with CONTEXT_UNKNOWN just as verifying would.
- :func:`sign_jws` — any compact JWS (a VC 2.0 style VC-JWT is the credential plus claims).
- Key helpers: :func:`did_key_from_public_key`, :func:`multikey_from_ed25519`,
  :func:`public_jwk`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from agent.errors import BadgekeeperError, ErrorCode
from agent.verify.dates import parse_badge_date
from agent.verify.ob3.credential import VC1_CONTEXT, issuer_id_of, subject_of
from agent.verify.ob3.data_integrity import (
    DATA_INTEGRITY_CONTEXT,
    ED25519_2020,
    ED25519_2020_CONTEXT,
    EDDSA_CRYPTOSUITES,
    hash_data,
)
from agent.verify.ob3.keys import PublicKey, jwk_from_public_key, multikey_from_public_key
from agent.verify.ob3.multibase import base58btc_encode, base64url_encode
from agent.verify.ob3.vcjwt import EC_CURVES, HASHES, payload_json

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _refuse(message: str) -> BadgekeeperError:
    return BadgekeeperError(ErrorCode.INVALID_PROPERTY, message)


def did_key_from_public_key(public_key: PublicKey) -> str:
    """``did:key:z…`` for an Ed25519 (``z6Mk…``) or P-256/P-384 public key."""
    try:
        return "did:key:" + multikey_from_public_key(public_key)
    except ValueError as exc:
        raise _refuse(f"No did:key form for this key ({exc}).") from exc


def multikey_from_ed25519(public_key: ed25519.Ed25519PublicKey) -> str:
    """The Multikey ``publicKeyMultibase`` (``z6Mk…``) of an Ed25519 public key."""
    return multikey_from_public_key(public_key)


def public_jwk(public_key: PublicKey) -> dict[str, str]:
    """The public JWK of a key, for an issuer profile's ``publicKeyJwk`` or a ``jwk`` header."""
    return jwk_from_public_key(public_key)


def _numeric_date(credential: dict[str, Any], names: tuple[str, str]) -> int | None:
    for name in names:
        if credential.get(name) is not None:
            return int(parse_badge_date(credential[name], field=name).timestamp())
    return None


def _jws_signature(private_key: PrivateKey, alg: str, signing_input: bytes) -> bytes:
    if alg == "EdDSA" and isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(signing_input)
    if alg.startswith("RS") and alg in HASHES and isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(signing_input, padding.PKCS1v15(), HASHES[alg]())
    if (
        alg in EC_CURVES
        and isinstance(private_key, ec.EllipticCurvePrivateKey)
        and private_key.curve.name == EC_CURVES[alg]
    ):
        der = private_key.sign(signing_input, ec.ECDSA(HASHES[alg]()))
        r, s = decode_dss_signature(der)
        size = (private_key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise _refuse(f"Cannot sign with alg {alg!r} using a {type(private_key).__name__}.")


def sign_vc_jwt(credential: dict[str, Any], private_key: PrivateKey, *, kid: str, alg: str) -> str:
    """A compact JWS (VC-JWT, VC 1.1 style) of ``credential``, signed with ``private_key``."""
    issuer_id = issuer_id_of(credential)
    if issuer_id is None:
        raise _refuse("The credential to sign names no issuer id.")
    claims: dict[str, Any] = {"iss": issuer_id}
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    subject = subject_of(credential)
    if subject is not None and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    not_before = _numeric_date(credential, ("validFrom", "issuanceDate"))
    if not_before is not None:
        claims["nbf"] = not_before
    expires = _numeric_date(credential, ("validUntil", "expirationDate"))
    if expires is not None:
        claims["exp"] = expires
    claims["vc"] = credential
    return sign_jws({"alg": alg, "typ": "JWT", "kid": kid}, claims, private_key)


def sign_jws(header: dict[str, Any], payload: dict[str, Any], private_key: PrivateKey) -> str:
    """A compact JWS of ``payload`` with ``header`` (its ``alg`` picks the algorithm).

    For a VC 2.0 style VC-JWT, pass the credential itself (plus ``iss``, ``jti``, ``sub``,
    ``nbf``) as the payload.
    """
    alg = str(header.get("alg"))
    header_part = base64url_encode(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    signing_input = f"{header_part}.{base64url_encode(payload_json(payload))}"
    signature = _jws_signature(private_key, alg, signing_input.encode("ascii"))
    return f"{signing_input}.{base64url_encode(signature)}"


def _with_context(document: dict[str, Any], context: str) -> None:
    contexts = document.get("@context")
    listed = contexts if isinstance(contexts, list) else [contexts]
    if context not in listed:
        document["@context"] = [*listed, context]


def add_data_integrity_proof(
    credential: dict[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    *,
    verification_method: str,
    created: str,
    cryptosuite: str = "eddsa-rdfc-2022",
) -> dict[str, Any]:
    """A copy of ``credential`` with an embedded proof (``cryptosuite`` may also be
    ``"eddsa-2022"`` or ``"Ed25519Signature2020"``)."""
    if "proof" in credential:
        raise _refuse("The credential already has a proof; sign the unsigned credential.")
    if not isinstance(private_key, ed25519.Ed25519PrivateKey):
        raise _refuse("Data Integrity proofs here are Ed25519; pass an Ed25519PrivateKey.")
    document = copy.deepcopy(credential)
    proof: dict[str, Any]
    if cryptosuite in EDDSA_CRYPTOSUITES:
        contexts = document.get("@context")
        first = contexts[0] if isinstance(contexts, list) and contexts else contexts
        if first == VC1_CONTEXT:  # VC 2.0's context defines DataIntegrityProof itself
            _with_context(document, DATA_INTEGRITY_CONTEXT)
        proof = {"type": "DataIntegrityProof", "cryptosuite": cryptosuite}
    elif cryptosuite == ED25519_2020:
        _with_context(document, ED25519_2020_CONTEXT)
        proof = {"type": ED25519_2020}
    else:
        raise BadgekeeperError(
            ErrorCode.PROOF_UNSUPPORTED, f"Cannot sign with cryptosuite {cryptosuite!r}."
        )
    proof.update(
        created=created, verificationMethod=verification_method, proofPurpose="assertionMethod"
    )
    signature = private_key.sign(hash_data(document, proof, proof.get("cryptosuite", ED25519_2020)))
    document["proof"] = {**proof, "proofValue": "z" + base58btc_encode(signature)}
    return document
