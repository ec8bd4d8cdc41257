"""What kind of Open Badges payload a piece of text is.

Rules:
- Classification only looks; it never fetches, verifies or rewrites. The verifier decides whether
  the payload is any good.
- JSON is parsed once, under a size cap, and only to read ``type``, ``@context`` and a few keys.
- A compact JWS is ``header.payload.signature`` in base64url (the signature may be empty: an
  ``alg: none`` token is still a token, and the verifier refuses it with a verdict).
- Anything with a URI scheme and no whitespace is a URL, whatever the scheme, so that the verifier
  can refuse ``file:`` or ``javascript:`` with SCHEME_REFUSED rather than a parse error.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from agent.bakery.model import PayloadKind
from agent.errors import BakeryError, ErrorCode

# The verifier reads badge JSON up to 1 MB (agent.fetch.model.MAX_JSON_BYTES); the bakery never
# hands it more. Real assertions are a few kB; credentials with an embedded image a few hundred.
MAX_PAYLOAD_BYTES = 1_000_000

# Surrounding whitespace (and a stray BOM) is never part of a payload's meaning.
PAYLOAD_WHITESPACE = " \t\r\n\ufeff"

_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]+")
# What neither XML 1.0 nor a PNG text chunk can carry.
_UNEMBEDDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_CREDENTIAL_TYPES = frozenset(
    {"VerifiableCredential", "OpenBadgeCredential", "AchievementCredential"}
)
_CREDENTIAL_CONTEXTS = frozenset(
    {"https://www.w3.org/2018/credentials/v1", "https://www.w3.org/ns/credentials/v2"}
)
_OB3_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/"
_ASSERTION_KEYS = frozenset({"recipient", "badge", "verify", "verification"})
_VC_JWT_TYPES = frozenset({"vc+jwt", "vc+ld+jwt", "vc+ld+json+jwt", "vc+sd-jwt"})


def classify_payload(text: str) -> PayloadKind:
    """Say which kind of Open Badges payload ``text`` is, or raise PAYLOAD_MALFORMED."""
    body = text.strip(PAYLOAD_WHITESPACE)
    if not body:
        raise BakeryError(
            ErrorCode.PAYLOAD_MALFORMED,
            "The badge data is empty. Ask the issuer to re-issue the badge.",
        )
    if len(body) > MAX_PAYLOAD_BYTES:
        raise BakeryError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"The badge data is over {MAX_PAYLOAD_BYTES // 1000} kB; real badges are far "
            "smaller, so this is probably not a badge.",
        )
    if body[0] in "{[":
        return _json_kind(_parse_json(body))
    if _COMPACT_JWS.fullmatch(body):
        return _token_kind(body)
    if _URL.fullmatch(body):
        return PayloadKind.URL
    raise BakeryError(ErrorCode.PAYLOAD_MALFORMED)


def is_ob3(kind: PayloadKind) -> bool:
    """True for the kinds Open Badges 3.0 bakes under its own keyword and element."""
    return kind in (PayloadKind.CREDENTIAL_JSON, PayloadKind.VC_JWT)


def payload_for_baking(payload: str) -> tuple[str, PayloadKind]:
    """The text to embed (surrounding whitespace dropped) and its kind; refuse what cannot embed."""
    body = payload.strip(PAYLOAD_WHITESPACE)
    kind = classify_payload(body)
    if _UNEMBEDDABLE.search(body):
        raise BakeryError(
            ErrorCode.PAYLOAD_MALFORMED,
            "The badge data contains control characters that an image cannot carry. Check that "
            "the payload file is the assertion, credential, token or link itself.",
        )
    return body, kind


def parse_payload_json(body: str) -> dict[str, Any]:
    """Parse JSON badge data that classification has already accepted as an object."""
    value = _parse_json(body)
    if not isinstance(value, dict):
        raise BakeryError(ErrorCode.PAYLOAD_MALFORMED)
    return value


def _parse_json(body: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BakeryError(
            ErrorCode.JSON_MALFORMED,
            f"The badge data is not valid JSON ({type(exc).__name__}). Ask the issuer to "
            "re-issue the badge.",
        ) from exc


def _json_kind(value: Any) -> PayloadKind:
    if not isinstance(value, dict):
        raise BakeryError(
            ErrorCode.PAYLOAD_MALFORMED,
            "The badge data is JSON but not an object, so it is neither an assertion nor a "
            "credential. Ask the issuer to re-issue the badge.",
        )
    if _looks_like_credential(value):
        return PayloadKind.CREDENTIAL_JSON
    types = _strings(value.get("type"))
    contexts = _strings(value.get("@context"))
    if (
        _ASSERTION_KEYS.intersection(value)
        or "Assertion" in types
        or any("openbadges" in context for context in contexts)
    ):
        return PayloadKind.ASSERTION_JSON
    raise BakeryError(
        ErrorCode.PAYLOAD_MALFORMED,
        "The badge data is JSON, but neither an Open Badges assertion nor a credential. Ask the "
        "issuer to re-issue the badge.",
    )


def _looks_like_credential(value: dict[str, Any]) -> bool:
    if _CREDENTIAL_TYPES.intersection(_strings(value.get("type"))):
        return True
    return any(
        context in _CREDENTIAL_CONTEXTS or context.startswith(_OB3_CONTEXT_PREFIX)
        for context in _strings(value.get("@context"))
    )


def _token_kind(token: str) -> PayloadKind:
    header_part, payload_part, _signature = token.split(".")
    header = _decode_segment(header_part)
    if not isinstance(header, dict):
        raise BakeryError(
            ErrorCode.PAYLOAD_MALFORMED,
            "The badge data looks like a signed token, but its header is not JSON. Ask the "
            "issuer to re-issue the badge.",
        )
    typ = header.get("typ")
    if isinstance(typ, str) and typ.lower() in _VC_JWT_TYPES:
        return PayloadKind.VC_JWT
    claims = _decode_segment(payload_part)
    # An undecodable body is still a token; the verifier reports it as TOKEN_MALFORMED.
    if isinstance(claims, dict) and ("vc" in claims or _looks_like_credential(claims)):
        return PayloadKind.VC_JWT
    return PayloadKind.JWS


def _decode_segment(segment: str) -> Any:
    """Decode one base64url JSON segment of a compact JWS; ``None`` when it is not that."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        return None


def _strings(value: Any) -> list[str]:
    """``type`` and ``@context`` may be a string or a list mixing strings and objects."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
