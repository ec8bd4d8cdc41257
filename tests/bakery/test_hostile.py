"""Hostile inputs: each ends in its error code, quickly, in bounded memory."""

from __future__ import annotations

import os
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.bakery import bake, read_source, unbake
from agent.bakery.png import PNG_SIGNATURE
from agent.errors import BakeryError, ErrorCode

from .builders import (
    OB2_NS,
    chunk,
    insert_after_ihdr,
    insert_before_iend,
    itxt,
    other_image,
    payloads,
    png_image,
    svg_image,
    zip_bomb,
)

MB = 1_000_000
URL = "https://issuer.example/assertions/123"


def peak_memory(action: Callable[[], object]) -> tuple[object, int]:
    """Run ``action`` under tracemalloc; return its result (or the BakeryError) and the peak."""
    tracemalloc.start()
    try:
        try:
            result: object = action()
        except BakeryError as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def code_of(action: Callable[[], object]) -> ErrorCode:
    with pytest.raises(BakeryError) as caught:
        action()
    assert caught.value.message.endswith(".")
    return caught.value.code


# --- PNG ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    """An iTXt chunk whose ~1 MB of deflate data inflates to 1 GB of zeros."""
    compressed = zip_bomb()
    body = b"openbadges\x00\x01\x00\x00\x00" + compressed
    return insert_after_ihdr(png_image(), chunk(b"iTXt", body))


@pytest.mark.timeout(30)
def test_compressed_itxt_bomb_is_capped(bomb_png: bytes) -> None:
    """A gigabyte zip bomb is PAYLOAD_TOO_LARGE after inflating about a megabyte."""
    result, peak = peak_memory(lambda: unbake(bomb_png))
    assert isinstance(result, BakeryError) and result.code is ErrorCode.PAYLOAD_TOO_LARGE
    assert peak < 20 * MB


@pytest.mark.parametrize("keep", [8, 20, 40, 0.5, -1])
def test_truncated_png(keep: float) -> None:
    """A PNG cut anywhere before IEND, even after its badge chunk, is IMAGE_MALFORMED."""
    image = bake(png_image((64, 64)), URL)
    cut = int(len(image) * keep) if isinstance(keep, float) else keep
    assert code_of(lambda: unbake(image[:cut])) is ErrorCode.IMAGE_MALFORMED


def test_bad_crc_on_the_badge_chunk() -> None:
    """A badge chunk whose CRC does not match is IMAGE_MALFORMED."""
    image = insert_after_ihdr(
        png_image(), chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + URL.encode(), crc=1)
    )
    assert code_of(lambda: unbake(image)) is ErrorCode.IMAGE_MALFORMED


def test_bad_crc_elsewhere_is_ignored_when_reading_but_refused_when_baking() -> None:
    """Unbaking skips chunks it does not read; baking rewrites the file, so it checks them all."""
    image = bytearray(bake(png_image(), URL))
    image[-20] ^= 0xFF  # inside the last IDAT, whose CRC now fails
    found = unbake(bytes(image))
    assert found is not None and found.payload == URL
    assert code_of(lambda: bake(bytes(image), URL)) is ErrorCode.IMAGE_MALFORMED


@pytest.mark.parametrize("length", [2**31, 2**32 - 1, 1000])
def test_chunk_length_out_of_bounds(length: int) -> None:
    """A chunk length of 2^31 or more, or past the end of the data, is IMAGE_MALFORMED."""
    image = png_image()
    bad = image[:33] + struct.pack(">I", length) + b"tEXt" + b"openbadges\x00x" + image[33:40]
    assert code_of(lambda: unbake(bad)) is ErrorCode.IMAGE_MALFORMED


def test_not_starting_with_ihdr() -> None:
    """Chunks must start with IHDR; a file of garbage after the signature is IMAGE_MALFORMED."""
    assert code_of(lambda: unbake(PNG_SIGNATURE + os.urandom(100))) is ErrorCode.IMAGE_MALFORMED


@pytest.mark.timeout(30)
def test_ten_thousand_text_chunks() -> None:
    """10,000 text chunks before the badge are walked past cheaply."""
    noise = b"".join(
        itxt("Comment", b"x" * 50) + chunk(b"tEXt", b"openbadgesX\x00y") for _ in range(5000)
    )
    image = insert_before_iend(png_image(), noise, itxt("openbadges", URL.encode()))
    found, peak = peak_memory(lambda: unbake(image))
    assert getattr(found, "payload", None) == URL
    assert peak < 1 * MB
    assert unbake(insert_before_iend(png_image(), noise)) is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"openbadges\x00\x01\x00\x00\x00not deflate data", ErrorCode.IMAGE_MALFORMED),
        (b"openbadges\x00\x01\x07\x00\x00x", ErrorCode.IMAGE_MALFORMED),  # unknown method
        (b"openbadges\x00\x00\x00no language terminator", ErrorCode.IMAGE_MALFORMED),
        (b"openbadges\x00\x00", ErrorCode.IMAGE_MALFORMED),
        (b"openbadges\x00\x00\x00\x00\x00\xff\xfe", ErrorCode.TEXT_ENCODING),
        (b"openbadges\x00\x00\x00\x00\x00" + b"{" * (MB + 1), ErrorCode.PAYLOAD_TOO_LARGE),
    ],
)
def test_damaged_badge_chunk(body: bytes, code: ErrorCode) -> None:
    """Damaged or oversized badge text chunks each end with their own code."""
    image = insert_after_ihdr(png_image(), chunk(b"iTXt", body))
    assert code_of(lambda: unbake(image)) is code


def test_truncated_deflate_stream() -> None:
    """Compressed badge text that stops mid-stream is IMAGE_MALFORMED."""
    import zlib

    compressed = zlib.compress(URL.encode() * 50)[:-10]
    image = insert_after_ihdr(
        png_image(), chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + compressed)
    )
    assert code_of(lambda: unbake(image)) is ErrorCode.IMAGE_MALFORMED


def test_large_png_with_badge_after_the_image_data() -> None:
    """A multi-megabyte PNG is scanned by chunk lengths: memory stays flat."""
    image = insert_before_iend(
        PNG_SIGNATURE + png_image()[8:-12] + chunk(b"IDAT", bytes(8 * MB)) + png_image()[-12:],
        itxt("openbadges", URL.encode()),
    )
    found, peak = peak_memory(lambda: unbake(image))
    assert getattr(found, "payload", None) == URL
    assert peak < 100_000


@pytest.mark.parametrize("fmt", ["JPEG", "GIF", "WEBP", "BMP", "TIFF"])
def test_other_image_formats_named_png(fmt: str, tmp_path: Path) -> None:
    """A JPEG (GIF, WebP, …) saved as ``badge.png`` is IMAGE_UNSUPPORTED, by content not name."""
    path = tmp_path / "badge.png"
    path.write_bytes(other_image(fmt))
    data = path.read_bytes()
    assert code_of(lambda: unbake(data)) is ErrorCode.IMAGE_UNSUPPORTED
    assert code_of(lambda: read_source(data)) is ErrorCode.IMAGE_UNSUPPORTED
    assert code_of(lambda: bake(data, URL)) is ErrorCode.IMAGE_UNSUPPORTED


def test_random_and_empty_bytes() -> None:
    """Random bytes are IMAGE_UNSUPPORTED; an empty file is no image for unbake."""
    noise = os.urandom(64 * 1024)
    assert code_of(lambda: unbake(noise)) is ErrorCode.IMAGE_UNSUPPORTED
    assert code_of(lambda: read_source(noise)) is ErrorCode.IMAGE_UNSUPPORTED
    assert code_of(lambda: unbake(b"")) is ErrorCode.IMAGE_UNSUPPORTED
    assert code_of(lambda: read_source(b"")) is ErrorCode.NO_BADGE_DATA


# --- SVG ---------------------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="http://openbadges.org">
<ob:assertion>&xxe;</ob:assertion></svg>"""

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY lol0 "lol">\n'
    + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    + b']>\n<svg xmlns="http://www.w3.org/2000/svg">&lol9;</svg>'
)

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE svg SYSTEM "http://127.0.0.1:9/evil.dtd">
<svg xmlns="http://www.w3.org/2000/svg"><text>&evil;</text></svg>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>
<svg xmlns="http://www.w3.org/2000/svg"/>"""

STANDARD_DOCTYPE = b"""<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg"/>"""

STANDARD_DOCTYPE_WITH_SUBSET = b"""<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>"""

STANDARD_DOCTYPE_UNDECLARED_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg"><text>&ns_svg;</text></svg>"""

NON_SVG_XXE = b"""<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>"""


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "image",
    [
        XXE,
        BILLION_LAUGHS,
        EXTERNAL_DTD,
        PARAMETER_ENTITY,
        STANDARD_DOCTYPE_WITH_SUBSET,
        STANDARD_DOCTYPE_UNDECLARED_ENTITY,
        NON_SVG_XXE,
    ],
)
def test_dtds_and_entities_are_refused(image: bytes) -> None:
    """Any other DOCTYPE, entity or external reference is SVG_FORBIDDEN_MARKUP, never expanded."""
    result, peak = peak_memory(lambda: unbake(image))
    assert isinstance(result, BakeryError) and result.code is ErrorCode.SVG_FORBIDDEN_MARKUP
    assert peak < 1 * MB
    assert code_of(lambda: read_source(image)) is ErrorCode.SVG_FORBIDDEN_MARKUP
    assert code_of(lambda: bake(image, URL)) is ErrorCode.SVG_FORBIDDEN_MARKUP


def test_w3c_svg_doctype_without_subset_is_read() -> None:
    """The DOCTYPE design tools write is accepted (its DTD is never read), so such badges bake."""
    assert unbake(STANDARD_DOCTYPE) is None
    baked = bake(STANDARD_DOCTYPE, URL)
    found = unbake(baked)
    assert found is not None and found.payload == URL


@pytest.mark.timeout(30)
def test_a_million_nested_elements() -> None:
    """Deep nesting neither recurses nor grows memory: refused past the depth cap."""
    depth = 1_000_000
    image = (
        b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * depth + b"</g>" * depth + b"</svg>"
    )
    result, peak = peak_memory(lambda: unbake(image))
    assert isinstance(result, BakeryError) and result.code is ErrorCode.IMAGE_MALFORMED
    assert peak < 20 * MB
    assert code_of(lambda: bake(image, URL)) is ErrorCode.IMAGE_MALFORMED


@pytest.mark.timeout(30)
def test_badge_after_a_million_nested_elements() -> None:
    """A badge inside deep nesting is read without walking the nesting."""
    depth = 1_000_000
    image = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="{OB2_NS}">'.encode()
        + b"<g>" * depth
        + f'<ob:assertion verify="{URL}"/>'.encode()
        + b"</g>" * depth
        + b"</svg>"
    )
    found, peak = peak_memory(lambda: unbake(image))
    assert getattr(found, "payload", None) == URL
    assert peak < 20 * MB


@pytest.mark.timeout(30)
def test_large_svg_in_bounded_memory() -> None:
    """A ~10 MB SVG with the badge at the end is read with little extra memory."""
    paths = '<path d="M0 0 L10 10 L20 5 Z" fill="#123456"/>\n' * 220_000
    image = svg_image(paths + f'<ob:assertion verify="{URL}"/>', root_attrs=f' xmlns:ob="{OB2_NS}"')
    assert len(image) > 10 * MB
    found, peak = peak_memory(lambda: unbake(image))
    assert getattr(found, "payload", None) == URL
    assert peak < 10 * MB


def test_oversized_badge_element_text() -> None:
    """Badge text over the payload cap is PAYLOAD_TOO_LARGE, collected no further."""
    body = f'<ob:assertion xmlns:ob="{OB2_NS}"><![CDATA[{"x" * (MB + 10)}]]></ob:assertion>'
    assert code_of(lambda: unbake(svg_image(body))) is ErrorCode.PAYLOAD_TOO_LARGE


# --- bake --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "payload", "code"),
    [
        (png_image(), "not a payload", ErrorCode.PAYLOAD_MALFORMED),
        (png_image(), "", ErrorCode.PAYLOAD_MALFORMED),
        (png_image(), '{"recipient": "x", "badge": "\ud800"}', ErrorCode.PAYLOAD_MALFORMED),
        (png_image(), '{"recipient": ', ErrorCode.JSON_MALFORMED),
        (png_image()[:50], URL, ErrorCode.IMAGE_MALFORMED),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', URL, ErrorCode.IMAGE_MALFORMED),
        (b"<html><body/></html>", URL, ErrorCode.IMAGE_UNSUPPORTED),
        (b"GIF89a....", URL, ErrorCode.IMAGE_UNSUPPORTED),
        (b"", URL, ErrorCode.IMAGE_UNSUPPORTED),
    ],
)
def test_bad_input_to_bake(image: bytes, payload: str, code: ErrorCode) -> None:
    """Bake refuses bad images and bad payloads with a code."""
    assert code_of(lambda: bake(image, payload)) is code


def test_bake_keeps_payloads_of_every_kind_in_every_container() -> None:
    """Smoke: every payload kind bakes into both containers and reads back exactly."""
    for payload in payloads().values():
        for image in (png_image(), svg_image()):
            found = unbake(bake(image, payload))
            assert found is not None and found.payload == payload
