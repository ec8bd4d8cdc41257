"""Large baked images for the unbake benchmark, built once into bench/.work/fixtures/.

Rules:
- The PNG holds ~10 MB of random pixels (so it cannot compress) and carries the badge in an
  ``iTXt`` chunk after the image data, where a reader that walks chunks meets it last.
- The SVG holds ~10 MB of drawing and the ``openbadges:assertion`` element last, with the
  assertion JSON as CDATA only (no ``verify`` attribute), so both bakeries must return the same
  text.
- Built deterministically (fixed seed); rebuilt when missing or when the payload changes.
"""

from __future__ import annotations

import io
import json
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

FIXTURE_BYTES = 10_000_000
SEED = 20240301


@dataclass(frozen=True)
class Fixture:
    path: Path
    payload: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def badge_payload() -> str:
    """A realistic hosted OB 2.0 assertion, as an issuer would bake it."""
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://badges.benchmark.example/assertions/5f0c7d2e.json",
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": "deadsea",
            "identity": "sha256$c7ef86405ba71b85acd8e2e95166c4b111448089f2e1599f42fe1bba46e865c5",
        },
        "badge": "https://badges.benchmark.example/badge-classes/benchmarking-basics.json",
        "verification": {"type": "HostedBadge"},
        "issuedOn": "2024-03-01T12:00:00Z",
        "evidence": "https://portfolio.example/earner/benchmarks",
    }
    return json.dumps(assertion, indent=2)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def build_png(payload: str) -> bytes:
    side = int((FIXTURE_BYTES / 3) ** 0.5)
    pixels = random.Random(SEED).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, format="PNG", compress_level=1)
    png = out.getvalue()
    assert png.endswith(png_chunk(b"IEND", b""))
    # iTXt: keyword, NUL, compression flag 0, method 0, empty language, NUL, empty
    # translated keyword, NUL, then the UTF-8 text.
    itxt = png_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + payload.encode())
    return png[:-12] + itxt + png[-12:]


def build_svg(payload: str) -> bytes:
    rng = random.Random(SEED)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" '
        'width="1000" height="1000" viewBox="0 0 1000 1000">\n'
    ]
    size = len(parts[0])
    while size < FIXTURE_BYTES:
        x, y, w, h = (rng.randrange(1000) for _ in range(4))
        element = (
            f'<path d="M{x} {y} l{w - 500} {h - 500} h{w % 97} v{h % 89} z" '
            f'fill="#{rng.randrange(0x1000000):06x}" opacity="0.{rng.randrange(10)}"/>\n'
        )
        parts.append(element)
        size += len(element)
    parts.append(f"<openbadges:assertion><![CDATA[{payload}]]></openbadges:assertion>\n</svg>\n")
    return "".join(parts).encode()


def ensure_fixtures(work_dir: Path) -> tuple[Fixture, Fixture]:
    """The 10 MB PNG and SVG, built if missing or stale."""
    payload = badge_payload()
    folder = work_dir / "fixtures"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / "payload.json"
    png, svg = folder / "badge-10mb.png", folder / "badge-10mb.svg"
    if not (png.exists() and svg.exists() and stamp.exists() and stamp.read_text() == payload):
        png.write_bytes(build_png(payload))
        svg.write_bytes(build_svg(payload))
        stamp.write_text(payload)
    return Fixture(png, payload), Fixture(svg, payload)
