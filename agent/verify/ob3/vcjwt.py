"""VC-JWT: an OB 3.0 credential signed as a compact JWS (OB 3.0 §8.2, VC-JWT).

Rules:
- Algorithms: RS256/RS384/RS512 (RSA ≥ 2048 bits), ES256 (P-256), ES384 (P-384), EdDSA
  (Ed25519). ``none`` and the HMAC family (HS*) are ALG_REFUSED: a public key used as a shared
  secret proves nothing. Any other name is PROOF_UNSUPPORTED. The key's type must match the alg.
- JWS is parsed and checked here with ``cryptography`` directly, not joserfc: joserfc refuses
  ``EdDSA`` as "not recommended" without a custom registry, and the rules above are short.
- ``crit`` names extensions we do not implement, so a token carrying it is refused (RFC 7515
  §4.1.11).
- The credential is the ``vc`` claim (VC 1.1) or the payload itself (VC 2.0). Claims fill what the
  credential leaves out (``iss``→issuer, ``jti``→id, ``sub``→credentialSubject.id, ``nbf``→
  validFrom/issuanceDate, ``exp``→validUntil/expirationDate); where both are present they must
  agree (dates to the second), else CLAIMS_MISMATCH. ``iss`` is required.
- The key comes from ``kid`` (did:key, did:web, URL; ``#frag`` is read against the issuer id)
  or, without a usable ``kid``, the header ``jwk``; either way the issuer must control it (see
  :mod:`agent.verify.ob3.resolver`).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from agent.errors import BadgekeeperError, ErrorCode, VerificationError
from agent.verify.dates import iso, parse_badge_date
from agent.verify.documents import parse_json_object
from agent.verify.ob3.keys import PublicKey, describe_key, key_from_jwk
from agent.verify.ob3.multibase import base64url_decode
from agent.verify.ob3.resolver import KeyResolver
from agent.verify.result import Verdict

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
    "ES256": hashes.SHA256,
    "ES384": hashes.SHA384,
}
EC_CURVES = {"ES256": "secp256r1", "ES384": "secp384r1"}
SUPPORTED_ALGS = (*HASHES, "EdDSA")
MIN_RSA_BITS = 2048
MAX_TOKEN_CHARS = 2_000_000
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


@dataclass(frozen=True)
class CompactJws:
    """A compact JWS, decoded but not yet verified."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def _malformed(detail: str) -> VerificationError:
    return VerificationError(
        ErrorCode.TOKEN_MALFORMED,
        f"The signed badge token is malformed ({detail}). Ask the issuer to re-issue the badge.",
    )


def _segment_bytes(segment: str, name: str) -> bytes:
    if not segment or any(c not in _B64URL for c in segment):
        raise _malformed(f"its {name} is not base64url")
    try:
        return base64url_decode(segment, what=f"token {name}")
    except BadgekeeperError as exc:
        raise _malformed(f"its {name} is not base64url") from exc


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _json_segment(segment: str, name: str) -> dict[str, Any]:
    raw = _segment_bytes(segment, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed(f"its {name} is not UTF-8") from exc
    try:
        return parse_json_object(text, what=f"token {name}")
    except BadgekeeperError as exc:
        raise _malformed(f"its {name} is not a JSON object") from exc


def parse_compact_jws(token: str) -> CompactJws:
    """Split and decode ``header.payload.signature`` (TOKEN_MALFORMED on any defect)."""
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise _malformed("it is far larger than any badge")
    parts = token.split(".")
    if len(parts) != 3:
        raise _malformed(f"it has {len(parts)} parts, not 3")
    header = _json_segment(parts[0], "header")
    payload = _json_segment(parts[1], "payload")
    signature = _segment_bytes(parts[2], "signature") if parts[2] else b""
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return CompactJws(header, payload, signing_input, signature)


def check_alg(header: dict[str, Any]) -> str:
    """The header's algorithm, if it is one Badgekeeper accepts."""
    alg = header.get("alg")
    shown = str(alg)[:30]
    if not isinstance(alg, str) or alg.lower() == "none" or alg.upper().startswith("HS"):
        raise VerificationError(
            ErrorCode.ALG_REFUSED,
            f"The badge token is 'signed' with alg {shown!r}, which proves nothing (no "
            "signature, or a shared secret). Do not trust it.",
        )
    if alg not in SUPPORTED_ALGS:
        raise VerificationError(
            ErrorCode.PROOF_UNSUPPORTED,
            f"The badge token is signed with {shown}, which Badgekeeper does not support "
            "(RS256/384/512, ES256, ES384 and EdDSA are).",
        )
    if "crit" in header:
        raise VerificationError(
            ErrorCode.PROOF_UNSUPPORTED,
            "The badge token requires JWS extensions ('crit') that Badgekeeper does not "
            "implement, so it cannot be checked.",
        )
    return alg


def _wrong_key(alg: str, key: PublicKey) -> VerificationError:
    return VerificationError(
        ErrorCode.ALG_REFUSED,
        f"The token says {alg}, but the issuer's key is {describe_key(key)}; a signature "
        "cannot be trusted when algorithm and key disagree.",
    )


def verify_jws_signature(alg: str, key: PublicKey, signing_input: bytes, signature: bytes) -> None:
    """SIGNATURE_INVALID unless ``signature`` is ``alg`` over ``signing_input`` with ``key``."""
    try:
        if alg == "EdDSA":
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise _wrong_key(alg, key)
            key.verify(signature, signing_input)
        elif alg.startswith("RS"):
            if not isinstance(key, rsa.RSAPublicKey):
                raise _wrong_key(alg, key)
            if key.key_size < MIN_RSA_BITS:
                raise VerificationError(
                    ErrorCode.ALG_REFUSED,
                    f"The issuer's RSA key has only {key.key_size} bits; keys that short can "
                    "be forged. Do not trust this badge.",
                )
            key.verify(signature, signing_input, padding.PKCS1v15(), HASHES[alg]())
        else:
            if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != EC_CURVES[alg]:
                raise _wrong_key(alg, key)
            size = (key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                raise InvalidSignature
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(HASHES[alg]()))
    except InvalidSignature as exc:
        raise VerificationError(
            ErrorCode.SIGNATURE_INVALID,
            "The badge token's signature does not match its content: it was altered after "
            "signing, or signed with another key. Do not trust it.",
        ) from exc


def credential_from_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The credential a VC-JWT carries: the ``vc`` claim (VC 1.1) or the payload (VC 2.0)."""
    if "vc" in payload:
        if not isinstance(payload["vc"], dict):
            raise VerificationError(
                ErrorCode.INVALID_PROPERTY, "The token's 'vc' claim is not a credential object."
            )
        return copy.deepcopy(payload["vc"])
    return copy.deepcopy(payload)


def _mismatch(message: str) -> VerificationError:
    return VerificationError(ErrorCode.CLAIMS_MISMATCH, message + " Do not trust it.")


def _claim_date(payload: dict[str, Any], claim: str) -> datetime | None:
    value = payload.get(claim)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _mismatch(f"The token's '{claim}' claim is not a NumericDate.")
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        raise _mismatch(f"The token's '{claim}' claim is not a usable date.") from exc


def _reconcile_date(
    credential: dict[str, Any], payload: dict[str, Any], claim: str, names: tuple[str, str]
) -> None:
    claimed = _claim_date(payload, claim)
    if claimed is None:
        return
    present = [name for name in names if name in credential]
    if not present:  # the claim sets the date (VC 1.1 decoding; OB 3.0 §8.2.4 for exp)
        contexts = credential.get("@context")
        is_v2 = VC2_CONTEXT in (contexts if isinstance(contexts, list) else [contexts])
        credential[names[0] if is_v2 else names[1]] = iso(claimed)
        return
    stated = parse_badge_date(credential[present[0]], field=present[0])
    if int(stated.timestamp()) != int(claimed.timestamp()):
        raise _mismatch(
            f"The token's '{claim}' claim ({iso(claimed)}) differs from the credential's "
            f"{present[0]} ({iso(stated)})."
        )


def reconcile_claims(payload: dict[str, Any], credential: dict[str, Any]) -> None:
    """Fill the credential from the JWT claims it omits; CLAIMS_MISMATCH where they disagree."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    iss = payload.get("iss")
    if not isinstance(iss, str):
        raise _mismatch("The signed badge token has no 'iss' claim naming its issuer.")
    if issuer is None:
        credential["issuer"] = iss
    elif issuer_id != iss:
        raise _mismatch(f"The token's 'iss' claim ({iss[:200]}) is not the credential's issuer.")
    jti = payload.get("jti")
    if jti is not None:
        if "id" not in credential:
            credential["id"] = jti
        elif credential["id"] != jti:
            raise _mismatch(
                f"The token's 'jti' claim ({str(jti)[:200]}) is not the credential's id."
            )
    sub = payload.get("sub")
    subject = credential.get("credentialSubject")
    if sub is not None and isinstance(subject, dict):
        if "id" not in subject:
            subject["id"] = sub
        elif subject["id"] != sub:
            raise _mismatch(
                f"The token's 'sub' claim ({str(sub)[:200]}) is not the credential's subject."
            )
    _reconcile_date(credential, payload, "nbf", ("validFrom", "issuanceDate"))
    _reconcile_date(credential, payload, "exp", ("validUntil", "expirationDate"))


async def _token_key(header: dict[str, Any], resolver: KeyResolver) -> tuple[PublicKey, str]:
    kid = header.get("kid")
    if isinstance(kid, str) and kid.startswith("#"):  # a key named relative to the issuer
        kid = resolver.issuer_id + kid
    if isinstance(kid, str) and kid.lower().startswith(("did:", "http://", "https://")):
        method = await resolver.method(kid)
        await resolver.ensure_issuer_controls(method)
        return method.key, kid
    if "jwk" in header:
        key = key_from_jwk(header["jwk"])
        method = await resolver.issuer_key_matching(key)
        return key, method.id
    raise VerificationError(
        ErrorCode.KEY_UNAVAILABLE,
        "The signed badge token names no key ('kid' link or 'jwk') to check it with. Ask the "
        "issuer to re-issue the badge.",
    )


async def verify_vc_jwt(jws: CompactJws, resolver: KeyResolver, verdict: Verdict) -> bool:
    """Find the token's key, check the issuer controls it, verify the signature (key, signature)."""
    alg = str(jws.header.get("alg"))
    try:
        key, key_id = await _token_key(jws.header, resolver)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check="key")
        return False
    verdict.passed("key", f"{describe_key(key)} ({key_id[:200]}) controlled by the issuer")
    try:
        verify_jws_signature(alg, key, jws.signing_input, jws.signature)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check="signature")
        return False
    verdict.passed("signature", f"valid {alg} signature")
    return True


def payload_json(payload: dict[str, Any]) -> bytes:
    """Compact JSON for a JWT payload (used by signing)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
