"""Bake a payload into a PNG or SVG image, choosing the Open Badges 2.0 or 3.0 carrier."""

from __future__ import annotations

from agent.bakery.payload import is_ob3, payload_for_baking
from agent.bakery.png import KEYWORD_OB2, KEYWORD_OB3, bake_png
from agent.bakery.sniff import sniff
from agent.bakery.svg_bake import bake_svg
from agent.errors import BakeryError, ErrorCode


def bake(image: bytes, payload: str, *, ob3: bool | None = None) -> bytes:
    """A copy of ``image`` carrying ``payload``, replacing any badge data it had.

    ``ob3=None`` picks the carrier from the payload: credential JSON and VC-JWTs go in the OB 3.0
    keyword and element, everything else in the OB 2.0 ones. Surrounding whitespace of the payload
    is not embedded, so ``unbake(bake(image, p)).payload == p.strip()``.
    """
    image = bytes(image)
    text, kind = payload_for_baking(payload)
    use_ob3 = is_ob3(kind) if ob3 is None else ob3
    sniffed = sniff(image)
    if sniffed.kind == "png":
        return bake_png(image, text, KEYWORD_OB3 if use_ob3 else KEYWORD_OB2)
    if sniffed.kind == "svg":
        return bake_svg(image, text, kind, ob3=use_ob3)
    raise BakeryError(
        ErrorCode.IMAGE_UNSUPPORTED,
        f"Cannot bake into {sniffed.label}: badges are baked into PNG or SVG images. Convert the "
        "image to PNG first.",
    )
