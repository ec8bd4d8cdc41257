"""Public keys as OB 3.0 issuers publish them: JWK, Multikey, did:key, and where did:web lives.

Rules:
- Pure functions over dicts and strings; fetching happens in :mod:`agent.verify.ob3.resolver`.
- Key types: Ed25519, ECDSA P-256 / P-384, RSA. Anything else is KEY_UNAVAILABLE, never a crash.
- A JWK that carries private material (``d``, ``p``, ``q`` …) is refused: a key whose private part
  has been published proves nothing.
- did:web: ``did:web:host%3Aport:a:b`` → ``https://host:port/a/b/did.json``; a bare host →
  ``https://host/.well-known/did.json``. Hosts and path segments are checked so a DID cannot
  smuggle in ``/``, ``?``, ``#`` or ``@``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from agent.errors import ErrorCode, VerificationError
from agent.verify.ob3.multibase import (
    ED25519_PUB,
    P256_PUB,
    P384_PUB,
    base58btc_decode,
    base64url_decode,
    base64url_encode,
    multibase_decode,
    multikey_encode,
    split_multicodec,
)

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey

_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")
_CURVES: dict[str, ec.EllipticCurve] = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::\d{1,5})?$")
_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+$")
MAX_RSA_BITS = 16_384


@dataclass(frozen=True)
class VerificationMethod:
    """A public key found by its id, with who controls it and where it was found."""

    id: str
    controller: str | None
    key: PublicKey
    document_id: str | None  # the id of the document that listed it (None: a bare key)


def key_unavailable(message: str) -> VerificationError:
    return VerificationError(ErrorCode.KEY_UNAVAILABLE, message)


def describe_key(key: PublicKey) -> str:
    """A few words for messages: 'an Ed25519 key', 'a P-256 key', 'a 2048-bit RSA key'."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "an Ed25519 key"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "a P-256 key", "secp384r1": "a P-384 key"}.get(
            key.curve.name, f"an elliptic-curve key ({key.curve.name})"
        )
    return f"a {key.key_size}-bit RSA key"


def keys_equal(first: PublicKey, second: PublicKey) -> bool:
    """Compare two public keys by their SubjectPublicKeyInfo encoding."""
    return _spki(first) == _spki(second)


def _spki(key: PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def split_fragment(url: str) -> tuple[str, str]:
    """``https://a/b#key-1`` → (``https://a/b``, ``key-1``); no fragment gives ``""``."""
    base, _, fragment = url.partition("#")
    return base, fragment


def _jwk_bytes(jwk: dict[str, Any], member: str) -> bytes:
    value = jwk.get(member)
    if not isinstance(value, str) or not value:
        raise key_unavailable(f"The issuer's JWK has no usable '{member}'.")
    return base64url_decode(value, what=f"JWK member '{member}'")


def key_from_jwk(jwk: object) -> PublicKey:
    """A public key from a JWK (RSA, EC P-256/P-384, OKP Ed25519)."""
    if not isinstance(jwk, dict):
        raise key_unavailable("The issuer's key is not a JSON Web Key object.")
    if any(member in jwk for member in _PRIVATE_JWK_MEMBERS):
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            "The issuer's published key includes its private part, so anyone could have signed "
            "this badge. Do not trust it, and tell the issuer.",
        )
    kty = jwk.get("kty")
    try:
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(_jwk_bytes(jwk, "x"))
        if kty == "EC" and jwk.get("crv") in _CURVES:
            curve = _CURVES[str(jwk["crv"])]
            x = int.from_bytes(_jwk_bytes(jwk, "x"), "big")
            y = int.from_bytes(_jwk_bytes(jwk, "y"), "big")
            return ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
        if kty == "RSA":
            n_bytes = _jwk_bytes(jwk, "n")
            if len(n_bytes) * 8 > MAX_RSA_BITS:
                raise key_unavailable("The issuer's RSA key is implausibly large.")
            n = int.from_bytes(n_bytes, "big")
            e = int.from_bytes(_jwk_bytes(jwk, "e"), "big")
            return rsa.RSAPublicNumbers(e, n).public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise key_unavailable(f"The issuer's JWK is not a valid public key ({exc}).") from exc
    raise key_unavailable(
        f"The issuer's key type ({str(kty)[:20]} {str(jwk.get('crv', ''))[:20]}) is not one "
        "Badgekeeper supports (Ed25519, P-256, P-384, RSA)."
    )


def key_from_multikey(value: object) -> PublicKey:
    """A public key from a multicodec-prefixed multibase string (``z6Mk…`` and friends)."""
    raw = multibase_decode(value, what="public key")
    codec, key_bytes = split_multicodec(raw, what="public key")
    try:
        if codec == ED25519_PUB:
            return ed25519.Ed25519PublicKey.from_public_bytes(key_bytes)
        if codec == P256_PUB:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key_bytes)
        if codec == P384_PUB:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), key_bytes)
    except ValueError as exc:
        raise key_unavailable(f"The issuer's multikey is not a valid public key ({exc}).") from exc
    raise key_unavailable(
        f"The issuer's key uses multicodec 0x{codec:x}, which Badgekeeper does not support "
        "(Ed25519, P-256 and P-384 are)."
    )


def multikey_from_public_key(key: PublicKey) -> str:
    """The ``publicKeyMultibase`` of an Ed25519 or P-256/P-384 key."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return multikey_encode(ED25519_PUB, raw)
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in ("secp256r1", "secp384r1"):
        point = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return multikey_encode(P256_PUB if key.curve.name == "secp256r1" else P384_PUB, point)
    raise ValueError(f"{describe_key(key)} has no multikey form here")


def jwk_from_public_key(key: PublicKey) -> dict[str, str]:
    """The public JWK of a key (for a ``jwk`` header or a ``publicKeyJwk``)."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": base64url_encode(raw)}
    if isinstance(key, ec.EllipticCurvePublicKey):
        size = (key.curve.key_size + 7) // 8
        numbers = key.public_numbers()
        crv = {"secp256r1": "P-256", "secp384r1": "P-384"}.get(key.curve.name, key.curve.name)
        return {
            "kty": "EC",
            "crv": crv,
            "x": base64url_encode(numbers.x.to_bytes(size, "big")),
            "y": base64url_encode(numbers.y.to_bytes(size, "big")),
        }
    rsa_numbers = key.public_numbers()
    return {
        "kty": "RSA",
        "n": base64url_encode(rsa_numbers.n.to_bytes((rsa_numbers.n.bit_length() + 7) // 8, "big")),
        "e": base64url_encode(rsa_numbers.e.to_bytes((rsa_numbers.e.bit_length() + 7) // 8, "big")),
    }


def key_from_method(method: dict[str, Any]) -> PublicKey:
    """The key of a verification method object, whatever property carries it."""
    if "publicKeyMultibase" in method:
        return key_from_multikey(method["publicKeyMultibase"])
    if "publicKeyJwk" in method:
        return key_from_jwk(method["publicKeyJwk"])
    if isinstance(method.get("publicKeyBase58"), str):  # Ed25519VerificationKey2018
        raw = base58btc_decode(method["publicKeyBase58"], what="public key")
        try:
            return ed25519.Ed25519PublicKey.from_public_bytes(raw)
        except ValueError as exc:
            raise key_unavailable("The issuer's base58 key is not an Ed25519 key.") from exc
    if isinstance(method.get("kty"), str):  # a bare JWK
        return key_from_jwk(method)
    raise key_unavailable(
        "The issuer's verification method carries no key Badgekeeper can read "
        "(publicKeyMultibase, publicKeyJwk or publicKeyBase58)."
    )


# --- DIDs -------------------------------------------------------------------------------------


def did_method(identifier: str) -> str | None:
    """``did:web:…`` → ``web``; not a DID → None."""
    if not identifier.startswith("did:"):
        return None
    return identifier.split(":", 2)[1] if identifier.count(":") >= 2 else ""


def did_key_method(did_url: str) -> VerificationMethod:
    """The single verification method of a did:key (its fragment, when given, is the key)."""
    did, fragment = split_fragment(did_url)
    identifier = did[len("did:key:") :]
    if fragment and fragment != identifier:
        raise key_unavailable(
            f"The key {did_url[:200]} does not exist: a did:key has one key, named by itself."
        )
    key = key_from_multikey(identifier)
    return VerificationMethod(id=f"{did}#{identifier}", controller=did, key=key, document_id=did)


def did_web_document_url(did: str) -> str:
    """Where the DID document of a did:web lives (https only, as the method requires)."""
    parts = did[len("did:web:") :].split(":")
    host = parts[0].replace("%3A", ":").replace("%3a", ":")
    if not _HOST.match(host) or not all(_SEGMENT.match(part) for part in parts[1:]):
        raise key_unavailable(f"{did[:200]} is not a well-formed did:web identifier.")
    if len(parts) == 1:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/{'/'.join(parts[1:])}/did.json"


# --- finding a method in a controller document ------------------------------------------------


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _absolute(method_id: str, document_id: str) -> str:
    return document_id + method_id if method_id.startswith("#") else method_id


def _document_id(document: dict[str, Any], fallback: str) -> str:
    value = document.get("id")
    return value if isinstance(value, str) and value else fallback


def find_method(document: dict[str, Any], method_id: str, *, url: str) -> VerificationMethod | None:
    """Find ``method_id`` in a controller document (or a bare method, JWK or JWKS) fetched at url.

    The document may be a DID document or issuer profile listing ``verificationMethod`` (also
    the older ``publicKey``, and methods embedded under ``assertionMethod``); the method itself;
    a JWK; or a JWKS whose ``kid`` matches the fragment or the whole id.
    """
    doc_id = _document_id(document, url)
    fragment = split_fragment(method_id)[1]
    candidates: list[Any] = []
    for prop in ("verificationMethod", "assertionMethod", "publicKey"):
        candidates.extend(_as_list(document.get(prop)))
    for entry in candidates:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        if _absolute(entry["id"], doc_id) == method_id:
            controller = entry.get("controller")
            return VerificationMethod(
                id=method_id,
                controller=controller if isinstance(controller, str) else doc_id,
                key=key_from_method(entry),
                document_id=doc_id,
            )
    if isinstance(document.get("keys"), list):  # a JWKS
        for jwk in document["keys"]:
            if isinstance(jwk, dict) and jwk.get("kid") in (method_id, fragment):
                return VerificationMethod(method_id, None, key_from_jwk(jwk), None)
        return None
    is_itself = document.get("id") == method_id or (not fragment and "id" not in document)
    is_named_jwk = "kty" in document and document.get("kid") in (method_id, fragment)
    has_key = any(prop in document for prop in ("publicKeyMultibase", "publicKeyJwk", "kty"))
    if (is_itself or is_named_jwk) and has_key:
        # The URL dereferenced to the method itself, or to a bare JWK (OB 3.0 allows both).
        controller = document.get("controller")
        return VerificationMethod(
            id=method_id,
            controller=controller if isinstance(controller, str) else None,
            key=key_from_method(document),
            document_id=None,
        )
    return None


def lists_method(document: dict[str, Any], method_id: str, *, url: str) -> bool:
    """True when a controller document names ``method_id`` among its keys (by reference or not)."""
    doc_id = _document_id(document, url)
    for prop in ("verificationMethod", "assertionMethod", "publicKey"):
        for entry in _as_list(document.get(prop)):
            ref = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(ref, str) and _absolute(ref, doc_id) == method_id:
                return True
    return False


def assertion_method_allows(document: dict[str, Any], method_id: str, *, url: str) -> bool:
    """False only when the document has an ``assertionMethod`` list that leaves the method out.

    Issuer profiles in the wild list keys under ``verificationMethod`` only; a document that does
    state its assertion methods is held to them.
    """
    if "assertionMethod" not in document:
        return True
    doc_id = _document_id(document, url)
    for entry in _as_list(document.get("assertionMethod")):
        ref = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(ref, str) and _absolute(ref, doc_id) == method_id:
            return True
    return False


def document_keys(document: dict[str, Any], *, url: str) -> list[VerificationMethod]:
    """Every key a controller document lists that Badgekeeper can read (others are skipped)."""
    doc_id = _document_id(document, url)
    found: list[VerificationMethod] = []
    for prop in ("verificationMethod", "assertionMethod", "publicKey"):
        for entry in _as_list(document.get(prop)):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            try:
                key = key_from_method(entry)
            except VerificationError:
                continue
            found.append(VerificationMethod(_absolute(entry["id"], doc_id), doc_id, key, doc_id))
    return found
