"""Test fixtures for the bakery, made at test time: images with Pillow, SVG from templates,
payloads of every kind, and raw PNG chunks for the inputs Pillow refuses to write."""

from __future__ import annotations

import base64
import functools
import io
import json
import struct
import zlib
from typing import Any

from joserfc import jws, jwt
from joserfc.jwk import ECKey
from PIL import Image, PngImagePlugin

SVG_NS = "http://www.w3.org/2000/svg"
OB2_NS = "http://openbadges.org"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"

HOSTED_ASSERTION: dict[str, Any] = {
    "@context": "https://w3id.org/openbadges/v2",
    "id": "https://issuer.example/assertions/123",
    "type": "Assertion",
    "recipient": {"type": "email", "hashed": False, "identity": "alice@example.org"},
    "issuedOn": "2016-12-31T23:59:59+00:00",
    "verification": {"type": "hosted"},
    "badge": "https://issuer.example/badges/5",
}
OB1_ASSERTION: dict[str, Any] = {
    "uid": "abc",
    "recipient": "sha256$deadbeef",
    "badge": "https://issuer.example/badge.json",
    "verify": {"type": "hosted", "url": "https://issuer.example/assertion.json"},
    "issuedOn": 1400000000,
}
CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "http://example.edu/credentials/3732",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://example.edu/issuers/565049", "type": "Profile", "name": "Ex"},
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Zertifikat für Übung ✓",
    "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
}

_KEY = ECKey.generate_key("P-256")


def b64url(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@functools.cache
def signed_assertion() -> str:
    """An OB 2.0 signed assertion: a real ES256 JWS over assertion JSON."""
    body = {**HOSTED_ASSERTION, "verification": {"type": "signed", "creator": "https://k"}}
    return jws.serialize_compact({"alg": "ES256"}, json.dumps(body).encode(), _KEY)


@functools.cache
def vc_jwt() -> str:
    """An OB 3.0 credential as a real VC-JWT (``vc`` claim)."""
    return jwt.encode({"alg": "ES256"}, {"vc": CREDENTIAL, "iss": "https://example.edu"}, _KEY)


def payloads() -> dict[str, str]:
    """One payload of every kind, named by its kind's value (the same tokens on every call)."""
    return {
        "assertion-json": json.dumps(HOSTED_ASSERTION, indent=2),
        "credential-json": json.dumps(CREDENTIAL, ensure_ascii=False, indent=2),
        "jws": signed_assertion(),
        "vc-jwt": vc_jwt(),
        "url": "https://issuer.example/assertions/123?lang=en&x=1",
    }


def png_image(size: tuple[int, int] = (16, 16), pnginfo: Any = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 30, 255)).save(out, "PNG", pnginfo=pnginfo)
    return out.getvalue()


def png_with_text(*entries: tuple[str, str, str, dict[str, Any]]) -> bytes:
    """A PNG carrying text chunks, each ``(method, key, value, options)`` of Pillow's PngInfo."""
    info = PngImagePlugin.PngInfo()
    for method, key, value, options in entries:
        getattr(info, method)(key, value, **options)
    return png_image(pnginfo=info)


def other_image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 10)).save(out, fmt)
    return out.getvalue()


def chunk(chunk_type: bytes, body: bytes, *, crc: int | None = None) -> bytes:
    checksum = zlib.crc32(chunk_type + body) if crc is None else crc
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", checksum)


def itxt(keyword: str, text: bytes, *, compressed: bool = False, lang: bytes = b"") -> bytes:
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return chunk(b"iTXt", keyword.encode() + b"\x00" + flag + lang + b"\x00\x00" + text)


def insert_after_ihdr(png: bytes, *chunks: bytes) -> bytes:
    return png[:33] + b"".join(chunks) + png[33:]


def insert_before_iend(png: bytes, *chunks: bytes) -> bytes:
    return png[:-12] + b"".join(chunks) + png[-12:]


def chunk_types(png: bytes) -> list[bytes]:
    types, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        types.append(png[pos + 4 : pos + 8])
        pos += 12 + length
    return types


def svg_image(body: str = '<rect width="10" height="10"/>', *, root_attrs: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 10 10"{root_attrs}>\n{body}\n</svg>\n'
    ).encode()


def zip_bomb(inflated: int = 1 << 30) -> bytes:
    """Deflate ``inflated`` zero bytes, streaming: about 1 MB for the default gigabyte."""
    compressor = zlib.compressobj(9)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(inflated // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)
