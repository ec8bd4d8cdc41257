"""The documents an OB 3.0 issuer publishes, as plain dicts: its profile and its status list."""

from __future__ import annotations

import base64
import gzip
from typing import Any

OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def issuer_profile(
    issuer_id: str, *, name: str, url: str, ed25519_multikey: str, rsa_jwk: dict[str, Any]
) -> dict[str, Any]:
    """A Profile listing two verification methods it controls: ``#key-ed25519`` and ``#key-rsa``."""
    return {
        "@context": [*OB3_CONTEXT, "https://w3id.org/security/multikey/v1"],
        "id": issuer_id,
        "type": ["Profile"],
        "name": name,
        "url": url,
        "verificationMethod": [
            {
                "id": issuer_id + "#key-ed25519",
                "type": "Multikey",
                "controller": issuer_id,
                "publicKeyMultibase": ed25519_multikey,
            },
            {
                "id": issuer_id + "#key-rsa",
                "type": "JsonWebKey",
                "controller": issuer_id,
                "publicKeyJwk": rsa_jwk,
            },
        ],
    }


def status_list_credential(list_url: str, issuer_id: str, bits: bytes) -> dict[str, Any]:
    """A BitstringStatusListCredential for revocation (bit i set = credential i revoked)."""
    encoded = base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).decode("ascii").rstrip("=")
    return {
        "@context": OB3_CONTEXT[:1],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": list_url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "u" + encoded,
        },
    }
