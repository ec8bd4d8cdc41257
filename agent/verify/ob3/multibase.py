"""Multibase and multicodec, the encodings Data Integrity keys and signatures travel in.

Rules:
- Multibase: the first character names the base. ``z`` is base58btc (keys, signatures), ``u`` is
  base64url without padding (Bitstring status lists). Other bases are refused.
- base58btc is implemented here (it is twenty lines) rather than added as a dependency; its input
  is capped so a hostile string cannot make the big-integer conversion quadratic for long.
- Multicodec prefixes are unsigned varints; only the key codecs Badgekeeper understands are named.
"""

from __future__ import annotations

import base64
import binascii

from agent.errors import ErrorCode, VerificationError

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: index for index, char in enumerate(BASE58_ALPHABET)}
# Keys and signatures are under 100 bytes; RSA keys in multikey form stay under 1 kB.
MAX_BASE58_CHARS = 2_000

# Multicodec codes of public keys (https://github.com/multiformats/multicodec).
ED25519_PUB = 0xED
P256_PUB = 0x1200
P384_PUB = 0x1201


def _invalid(what: str, detail: str) -> VerificationError:
    return VerificationError(
        ErrorCode.INVALID_PROPERTY,
        f"The {what} is not valid multibase ({detail}). Ask the issuer to re-issue the badge.",
    )


def base58btc_encode(data: bytes) -> str:
    """Encode bytes as base58btc (Bitcoin alphabet); leading zero bytes become ``1``."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    chars: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        chars.append(BASE58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(chars))


def base58btc_decode(text: str, *, what: str = "value") -> bytes:
    """Decode base58btc text; a character outside the alphabet is INVALID_PROPERTY."""
    if len(text) > MAX_BASE58_CHARS:
        raise _invalid(what, "too long")
    number = 0
    for char in text:
        digit = _BASE58_INDEX.get(char)
        if digit is None:
            raise _invalid(what, f"{char!r} is not a base58 character")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def base64url_decode(text: str, *, what: str = "value") -> bytes:
    """Decode base64url with or without padding (also accepts the standard alphabet)."""
    cleaned = text.strip().replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            f"The {what} is not valid base64. Ask the issuer to re-issue the badge.",
        ) from exc


def base64url_encode(data: bytes) -> str:
    """base64url without padding, as JOSE and multibase ``u`` write it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def multibase_decode(value: object, *, what: str = "value") -> bytes:
    """Decode a multibase string: ``z`` (base58btc) or ``u`` (base64url)."""
    if not isinstance(value, str) or len(value) < 2:
        raise _invalid(what, "not a multibase string")
    prefix, body = value[0], value[1:]
    if prefix == "z":
        return base58btc_decode(body, what=what)
    if prefix == "u":
        if any(char in body for char in "+/="):
            raise _invalid(what, "base64url may not contain '+', '/' or '='")
        return base64url_decode(body, what=what)
    raise _invalid(what, f"base {prefix!r} is not supported, only 'z' and 'u'")


def read_varint(data: bytes, *, what: str = "value") -> tuple[int, int]:
    """Read an unsigned varint (at most 9 bytes); returns (value, bytes used)."""
    value = 0
    for position, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * position)
        if not byte & 0x80:
            return value, position + 1
    raise _invalid(what, "its multicodec prefix is truncated")


def write_varint(value: int) -> bytes:
    """Write an unsigned varint."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def split_multicodec(data: bytes, *, what: str = "value") -> tuple[int, bytes]:
    """Split multicodec-prefixed bytes into (codec, payload)."""
    codec, used = read_varint(data, what=what)
    return codec, data[used:]


def multikey_encode(codec: int, key_bytes: bytes) -> str:
    """A Multikey ``publicKeyMultibase``: ``z`` + base58btc(varint(codec) + key bytes)."""
    return "z" + base58btc_encode(write_varint(codec) + key_bytes)
