"""Tell PNG, SVG, other images and text apart by their first bytes, whatever the file is called.

Rules:
- PNG is its 8-byte signature; JPEG, GIF, WebP, BMP, TIFF, ICO, AVIF/HEIC and PDF by theirs.
- SVG is markup whose root element is ``svg`` (any prefix): after an optional UTF-8 BOM,
  whitespace, the XML declaration, processing instructions and comments. Markup with another root
  (HTML, RSS, …) is not SVG.
- Any DOCTYPE except HTML's is handed to the SVG parser, which refuses it with
  SVG_FORBIDDEN_MARKUP: an XXE or billion-laughs file gets the security answer whatever its root.
- The prolog walk is bounded; past the bound the SVG parser decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.bakery.png import PNG_SIGNATURE

Kind = Literal["png", "svg", "image", "markup", "other"]

UTF8_BOM = b"\xef\xbb\xbf"
_MAX_PROLOG_ITEMS = 1000
_SPACE = re.compile(rb"[ \t\r\n]*")
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(?=[ \t\r\n/>])")
_DOCTYPE = re.compile(rb"<!DOCTYPE[ \t\r\n]+(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")

_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x00\x00\x01\x00", "an icon (ICO)"),
    (b"%PDF-", "a PDF document"),
)


@dataclass(frozen=True)
class Sniffed:
    """What a file's bytes are. ``root_start`` is the offset of an SVG's ``<svg`` when known."""

    kind: Kind
    label: str
    root_start: int | None = None


def sniff(data: bytes) -> Sniffed:
    """Say whether ``data`` is a PNG, an SVG, another image, other markup, or something else."""
    if data.startswith(PNG_SIGNATURE):
        return Sniffed("png", "a PNG image")
    label = _image_label(data)
    if label is not None:
        return Sniffed("image", label)
    return _sniff_markup(data)


def _image_label(data: bytes) -> str | None:
    for magic, label in _IMAGE_MAGIC:
        if data.startswith(magic):
            return label
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "a WebP image"
    if data.startswith(b"BM") and len(data) >= 26 and data[6:10] == b"\x00\x00\x00\x00":
        return "a BMP image"
    if data[4:8] == b"ftyp":
        return "an AVIF/HEIC image or video"
    return None


def _sniff_markup(data: bytes) -> Sniffed:
    pos = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    pos = _skip_space(data, pos)
    if not data.startswith(b"<", pos):
        return Sniffed("other", "not an image")
    for _ in range(_MAX_PROLOG_ITEMS):
        pos = _skip_space(data, pos)
        if data.startswith(b"<?", pos):
            opener, closer = b"<?", b"?>"
        elif data.startswith(b"<!--", pos):
            opener, closer = b"<!--", b"-->"
        elif data.startswith(b"<!DOCTYPE", pos):
            doctype = _DOCTYPE.match(data, pos)
            if doctype is not None and doctype.group(1).lower() == b"html":
                return Sniffed("markup", "an HTML page")
            return Sniffed("svg", "an SVG image")
        else:
            element = _ELEMENT.match(data, pos)
            if element is not None and element.group(1) == b"svg":
                return Sniffed("svg", "an SVG image", root_start=pos)
            return Sniffed("markup", "an XML or HTML document, not SVG")
        end = data.find(closer, pos + len(opener))
        if end < 0:
            return Sniffed("svg", "an SVG image")  # an unclosed prolog: the parser reports it
        pos = end + len(closer)
    return Sniffed("svg", "an SVG image")


def _skip_space(data: bytes, pos: int) -> int:
    match = _SPACE.match(data, pos)
    return match.end() if match is not None else pos
