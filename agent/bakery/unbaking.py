"""Read badge data from a file's bytes: a baked image, or a text file holding the payload.

Rules:
- The bytes decide, never the file name: a JPEG called ``badge.png`` is IMAGE_UNSUPPORTED.
- ``unbake`` only reads images (PNG, SVG) and returns ``None`` when one carries no badge.
- ``read_source`` also takes UTF-8 text (BOM allowed) holding JSON, a JWS/JWT or a URL; its
  payload is the text without the BOM and surrounding whitespace. Empty input and images without
  badge data are NO_BADGE_DATA; bytes that are neither text nor PNG/SVG are IMAGE_UNSUPPORTED.
"""

from __future__ import annotations

import codecs
import re

from agent.bakery.model import Unbaked
from agent.bakery.payload import MAX_PAYLOAD_BYTES, PAYLOAD_WHITESPACE, classify_payload
from agent.bakery.png import unbake_png
from agent.bakery.sniff import Sniffed, sniff
from agent.bakery.svg import unbake_svg
from agent.errors import BakeryError, ErrorCode

# Room for a BOM and whitespace around a payload of the largest size we accept.
_MAX_TEXT_FILE = MAX_PAYLOAD_BYTES + 64 * 1024
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def unbake(data: bytes) -> Unbaked | None:
    """The badge payload baked into a PNG or SVG, or ``None`` when the image carries none."""
    data = bytes(data)
    sniffed = sniff(data)
    if sniffed.kind == "png":
        return unbake_png(data)
    if sniffed.kind == "svg":
        return unbake_svg(data, sniffed.root_start)
    raise _unsupported(sniffed)


def read_source(data: bytes) -> Unbaked:
    """The badge payload of a file: baked into a PNG or SVG, or the file's own text."""
    data = bytes(data)
    sniffed = sniff(data)
    if sniffed.kind in ("png", "svg"):
        found = unbake_png(data) if sniffed.kind == "png" else unbake_svg(data, sniffed.root_start)
        if found is None:
            raise BakeryError(
                ErrorCode.NO_BADGE_DATA,
                f"This file is {sniffed.label} without Open Badges data baked in. Save the baked "
                "badge image the issuer sent, or the link to the hosted assertion.",
            )
        return found
    if sniffed.kind != "other":
        raise _unsupported(sniffed)
    text = _decode_text(data)
    payload = text.strip(PAYLOAD_WHITESPACE)
    if not payload:
        raise BakeryError(
            ErrorCode.NO_BADGE_DATA,
            "The file is empty. Save the baked badge image the issuer sent, or a file holding the "
            "assertion, credential, signed token or link.",
        )
    return Unbaked(
        payload=payload, kind=classify_payload(payload), container="text", keyword="file"
    )


def _decode_text(data: bytes) -> str:
    """UTF-8 text without control characters, or IMAGE_UNSUPPORTED; oversized text is refused."""
    head = data[:_MAX_TEXT_FILE]
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(
            head, final=len(data) == len(head)
        )
    except UnicodeDecodeError as exc:
        raise _not_text() from exc
    if _BINARY_CONTROLS.search(text):
        raise _not_text()
    if len(data) > len(head):
        raise BakeryError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"The file is over {MAX_PAYLOAD_BYTES // 1000} kB of text; real badge data is far "
            "smaller, so this is probably not a badge.",
        )
    return text


def _unsupported(sniffed: Sniffed) -> BakeryError:
    return BakeryError(
        ErrorCode.IMAGE_UNSUPPORTED,
        f"This file is {sniffed.label}, not a PNG or SVG image. Badges are baked into PNG or SVG "
        "images; ask the issuer for one of those.",
    )


def _not_text() -> BakeryError:
    return BakeryError(
        ErrorCode.IMAGE_UNSUPPORTED,
        "This file is neither a PNG or SVG image nor text holding badge data. Badges are baked "
        "into PNG or SVG images; ask the issuer for one of those.",
    )
