"""Thumbnails: PNG scaled down and cached; SVG, huge and damaged images handled."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from agent.errors import BakeryError, ErrorCode
from agent.library import Library, thumbnail_png
from agent.paths import resolve_paths
from tests.library.factories import SVG, fake_png, make_verdict, payload_for, real_png, source


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def header_only_png(width: int, height: int) -> bytes:
    """A PNG whose header claims a size; its pixels would never fit in memory."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def test_png_thumbnail_fits_the_size() -> None:
    """A 200×100 PNG becomes a PNG at most 96 px on its longer side, aspect kept."""
    thumb = thumbnail_png(real_png(200, 100))
    assert thumb is not None
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "PNG"
        assert image.size == (96, 48)


def test_svg_gets_no_thumbnail() -> None:
    """SVG is shown as is by the popup: no thumbnail."""
    assert thumbnail_png(SVG) is None


@pytest.mark.timeout(10)
def test_huge_images_get_no_thumbnail_without_decoding() -> None:
    """Images over the pixel limit (up to decompression bombs) give None, quickly."""
    assert thumbnail_png(header_only_png(5000, 5000)) is None
    assert thumbnail_png(header_only_png(100_000, 100_000)) is None


@pytest.mark.parametrize(
    "data",
    [
        fake_png("junk"),
        real_png()[:60],
        header_only_png(50, 50),  # valid header, too few pixels
    ],
)
def test_damaged_png_is_image_malformed(data: bytes) -> None:
    """A damaged PNG raises BakeryError(IMAGE_MALFORMED), never a Pillow exception."""
    with pytest.raises(BakeryError) as damaged:
        thumbnail_png(data)
    assert damaged.value.code is ErrorCode.IMAGE_MALFORMED


def test_size_out_of_range_is_refused() -> None:
    """A thumbnail size outside 16–512 is refused."""
    with pytest.raises(BakeryError):
        thumbnail_png(real_png(), size=5000)


def save_image(library: Library, image: bytes, media_type: str, number: int = 1) -> str:
    assertion_id = f"https://issuer.example/a/{number}"
    return library.save(
        verdict=make_verdict(assertion_id),
        payload=payload_for(assertion_id),
        payload_kind="assertion-json",
        image=image,
        media_type=media_type,
        source=source(),
    ).badge.id


def test_library_thumbnail_is_cached_by_sha256(library: Library) -> None:
    """The library's thumbnail is written to cache/thumbs/<sha256>-<size>.png and reused."""
    badge_id = save_image(library, real_png(300, 300), "image/png")
    sha256 = library.get(badge_id).sha256
    thumb = library.thumbnail(badge_id)
    cached = resolve_paths().cache / "thumbs" / f"{sha256}-96.png"
    assert thumb is not None and cached.read_bytes() == thumb
    marker = real_png(20, 20, "red")
    cached.write_bytes(marker)  # a second call must answer from the cache
    assert library.thumbnail(badge_id) == marker
    library.delete(badge_id)
    assert not cached.exists()


def test_library_thumbnail_none_for_svg_and_damaged(library: Library) -> None:
    """SVG badges and unreadable PNG badges get None (the popup's placeholder)."""
    assert library.thumbnail(save_image(library, SVG, "image/svg+xml", 1)) is None
    assert library.thumbnail(save_image(library, fake_png("x"), "image/png", 2)) is None
