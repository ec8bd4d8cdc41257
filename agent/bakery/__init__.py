"""The bakery: Open Badges data in and out of PNG and SVG images. Pure: bytes in, bytes out.

- ``unbake(data)``: the payload baked into a PNG or SVG, or ``None``.
- ``read_source(data)``: what the CLI and agent call on a file: an image or a text payload.
- ``bake(image, payload, ob3=None)``: embed a payload.
- ``classify_payload(text)``: assertion JSON, credential JSON, JWS, VC-JWT or URL.

Every failure is a :class:`~agent.errors.BakeryError` with a code.
"""

from __future__ import annotations

from agent.bakery.baking import bake
from agent.bakery.model import Container, PayloadKind, Unbaked
from agent.bakery.payload import MAX_PAYLOAD_BYTES, classify_payload
from agent.bakery.unbaking import read_source, unbake
from agent.errors import BakeryError

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "BakeryError",
    "Container",
    "PayloadKind",
    "Unbaked",
    "bake",
    "classify_payload",
    "read_source",
    "unbake",
]
