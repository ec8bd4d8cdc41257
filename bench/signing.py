"""Compact JWS for the signed-badge cases, written out by hand so bad tokens can be made too."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair for RS256, with its public half as PEM for a CryptographicKey document."""

    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def public_pem(self) -> str:
        return (
            self.private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign_rs256(self, payload: dict[str, Any]) -> str:
        signing_input = _signing_input({"alg": "RS256"}, payload)
        signature = self.private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)


def unsigned_alg_none(payload: dict[str, Any]) -> str:
    """A token that claims ``alg: none``: header, payload and an empty signature."""
    return _signing_input({"alg": "none"}, payload) + "."


def tamper_signature(token: str) -> str:
    """The same token with its signature's first bytes flipped (still valid base64url)."""
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    for index in range(8):
        raw[index] ^= 0xFF
    return f"{head}.{body}.{b64url(bytes(raw))}"


def _signing_input(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
