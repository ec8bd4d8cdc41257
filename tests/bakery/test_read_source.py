"""read_source: what the CLI and the agent call on a file's bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.bakery import PayloadKind, bake, read_source
from agent.errors import BakeryError, ErrorCode

from .builders import HOSTED_ASSERTION, payloads, png_image, svg_image

URL = "https://issuer.example/assertions/123"


def code_of(data: bytes) -> ErrorCode:
    with pytest.raises(BakeryError) as caught:
        read_source(data)
    assert caught.value.message.endswith(".")
    return caught.value.code


@pytest.mark.parametrize("name", sorted(payloads()))
def test_baked_images(name: str, tmp_path: Path) -> None:
    """Baked PNG and SVG files yield their payload."""
    for suffix, image in (("png", png_image()), ("svg", svg_image())):
        path = tmp_path / f"badge.{suffix}"
        path.write_bytes(bake(image, payloads()[name]))
        found = read_source(path.read_bytes())
        assert (found.payload, found.kind, found.container) == (
            payloads()[name],
            PayloadKind(name),
            suffix,
        )


@pytest.mark.parametrize("name", sorted(payloads()))
def test_text_files(name: str, tmp_path: Path) -> None:
    """A text file holding a payload (BOM and trailing newline allowed) is read as text."""
    path = tmp_path / "badge.txt"
    path.write_bytes(b"\xef\xbb\xbf" + payloads()[name].encode() + b"\r\n")
    found = read_source(path.read_bytes())
    assert (found.payload, found.kind) == (payloads()[name], PayloadKind(name))
    assert (found.container, found.keyword) == ("text", "file")


def test_images_without_badge_data() -> None:
    """A PNG or SVG without badge data is NO_BADGE_DATA, with a sentence naming the file kind."""
    for image, label in ((png_image(), "PNG"), (svg_image(), "SVG")):
        with pytest.raises(BakeryError) as caught:
            read_source(image)
        assert caught.value.code is ErrorCode.NO_BADGE_DATA
        assert label in caught.value.message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", ErrorCode.NO_BADGE_DATA),
        (b" \n\t\r\n", ErrorCode.NO_BADGE_DATA),
        (b"\xef\xbb\xbf", ErrorCode.NO_BADGE_DATA),
        (b"hello, this is not a badge", ErrorCode.PAYLOAD_MALFORMED),
        (b'{"name": "something else"}', ErrorCode.PAYLOAD_MALFORMED),
        (b'{"recipient": {', ErrorCode.JSON_MALFORMED),
        (b"\x00\x01\x02\x03binary", ErrorCode.IMAGE_UNSUPPORTED),
        (b"\xff\xfe{\x00}\x00", ErrorCode.IMAGE_UNSUPPORTED),  # UTF-16 is not accepted text
        (b"caf\xe9 latin-1 text", ErrorCode.IMAGE_UNSUPPORTED),
        (b"<?xml version='1.0'?><feed/>", ErrorCode.IMAGE_UNSUPPORTED),
        (b"<!doctype html><html></html>", ErrorCode.IMAGE_UNSUPPORTED),
        (b"<html><head></head></html>", ErrorCode.IMAGE_UNSUPPORTED),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ErrorCode.IMAGE_UNSUPPORTED),
        (b"\xff\xd8\xff\xe0 a JPEG", ErrorCode.IMAGE_UNSUPPORTED),
        (
            json.dumps({**HOSTED_ASSERTION, "pad": "x" * 2_000_000}).encode(),
            ErrorCode.PAYLOAD_TOO_LARGE,
        ),
    ],
)
def test_everything_else(data: bytes, code: ErrorCode) -> None:
    """Empty, binary, non-SVG markup, non-payload text and oversized text each get their code."""
    assert code_of(data) is code


def test_text_payload_is_exact() -> None:
    """Inner whitespace and formatting of a JSON file are kept exactly."""
    text = json.dumps(HOSTED_ASSERTION, indent=3)
    assert read_source(("\n\n" + text + "\n").encode()).payload == text


def test_svg_sniffing_tolerates_bom_space_and_comments() -> None:
    """An SVG is recognised after a BOM, the XML declaration, blank lines and comments."""
    image = b"\xef\xbb\xbf<?xml version='1.0'?>\n\n  <!-- made by hand -->\n" + bake(
        b'<svg xmlns="http://www.w3.org/2000/svg"/>', URL
    )
    found = read_source(image)
    assert (found.payload, found.container) == (URL, "svg")
