"""PNG: finding the badge chunk, and baking one that common tools keep reading."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from agent.bakery import PayloadKind, bake, unbake
from agent.errors import BakeryError, ErrorCode

from .builders import (
    CREDENTIAL,
    chunk,
    chunk_types,
    insert_after_ihdr,
    insert_before_iend,
    itxt,
    payloads,
    png_image,
    png_with_text,
)

OB3_KINDS = {"credential-json", "vc-jwt"}


@pytest.mark.parametrize("name", sorted(payloads()))
def test_round_trip_every_kind(name: str) -> None:
    """``unbake(bake(png, p)).payload == p`` for every payload kind, under the right keyword."""
    payload = payloads()[name]
    found = unbake(bake(png_image(), payload))
    assert found is not None
    assert found.payload == payload
    assert found.kind is PayloadKind(name)
    assert found.container == "png"
    assert found.keyword == ("openbadgecredential" if name in OB3_KINDS else "openbadges")


def test_baked_chunk_follows_ihdr_and_tools_still_read_it() -> None:
    """The iTXt goes right after IHDR; Pillow still decodes the pixels and reads the text."""
    original = png_image()
    payload = payloads()["assertion-json"]
    baked = bake(original, payload)
    assert chunk_types(baked)[:2] == [b"IHDR", b"iTXt"]
    with Image.open(io.BytesIO(baked)) as image, Image.open(io.BytesIO(original)) as plain:
        assert image.tobytes() == plain.tobytes()
        assert image.text["openbadges"] == payload


def test_rebaking_replaces_every_older_badge_chunk() -> None:
    """Baking drops existing iTXt, tEXt and zTXt badge chunks and keeps other text chunks."""
    legacy = png_with_text(
        ("add_text", "openbadges", "https://old.example/a", {}),
        ("add_text", "openbadges", "https://old.example/z", {"zip": True}),
        ("add_itxt", "openbadgecredential", "old", {}),
        ("add_text", "Software", "Pillow", {}),
    )
    baked = bake(legacy, payloads()["url"])
    assert chunk_types(baked).count(b"iTXt") == 1
    assert b"old.example" not in baked and b"openbadgecredential" not in baked
    with Image.open(io.BytesIO(baked)) as image:
        assert image.text["Software"] == "Pillow"
    assert unbake(baked) == unbake(bake(png_image(), payloads()["url"]))


@pytest.mark.parametrize(("ob3", "keyword"), [(True, "openbadgecredential"), (False, "openbadges")])
def test_ob3_flag_overrides_the_inferred_keyword(ob3: bool, keyword: str) -> None:
    """``ob3=True``/``False`` picks the keyword whatever the payload's kind."""
    payload = payloads()["jws"] if ob3 else json.dumps(CREDENTIAL)
    found = unbake(bake(png_image(), payload, ob3=ob3))
    assert found is not None and found.keyword == keyword and found.payload == payload


def test_bake_strips_surrounding_whitespace() -> None:
    """A payload file's trailing newline is not embedded."""
    found = unbake(bake(png_image(), "  https://issuer.example/a/1\n"))
    assert found is not None and found.payload == "https://issuer.example/a/1"


def test_legacy_text_chunk_with_url() -> None:
    """A pre-spec ``tEXt`` openbadges chunk yields its URL."""
    found = unbake(png_with_text(("add_text", "openbadges", "https://issuer.example/a/1", {})))
    assert found is not None
    assert (found.payload, found.kind) == ("https://issuer.example/a/1", PayloadKind.URL)


def test_legacy_text_is_latin1() -> None:
    """``tEXt`` is Latin-1 by the PNG spec, so byte 0xE9 reads as 'é'."""
    raw = b"openbadges\x00https://issuer.example/caf\xe9"
    found = unbake(insert_after_ihdr(png_image(), chunk(b"tEXt", raw)))
    assert found is not None and found.payload == "https://issuer.example/café"


def test_compressed_itxt() -> None:
    """A compressed iTXt chunk is inflated (the spec forbids writing one, not reading it)."""
    payload = payloads()["credential-json"]
    image = png_with_text(("add_itxt", "openbadgecredential", payload, {"zip": True}))
    found = unbake(image)
    assert found is not None and found.payload == payload


def test_compressed_legacy_ztxt() -> None:
    """A zTXt openbadges chunk is read like tEXt."""
    image = png_with_text(("add_text", "openbadges", "https://issuer.example/z", {"zip": True}))
    found = unbake(image)
    assert found is not None and found.payload == "https://issuer.example/z"


def test_language_tag_and_translated_keyword_are_skipped() -> None:
    """The iTXt language tag and translated keyword fields do not leak into the payload."""
    payload = payloads()["jws"]
    image = png_with_text(
        ("add_itxt", "openbadges", payload, {"lang": "en-GB", "tkey": "Offene Abzeichen ✓"})
    )
    found = unbake(image)
    assert found is not None and found.payload == payload


def test_first_badge_chunk_wins() -> None:
    """Of several badge chunks, the first in the file is the badge, whatever its keyword."""
    first, second = payloads()["vc-jwt"], payloads()["url"]
    image = insert_after_ihdr(
        png_image(),
        itxt("Comment", b"not a badge"),
        itxt("openbadgecredential", first.encode()),
        itxt("openbadges", second.encode()),
    )
    found = unbake(image)
    assert found is not None and (found.payload, found.keyword) == (first, "openbadgecredential")


def test_badge_chunk_after_the_image_data() -> None:
    """A badge chunk placed after IDAT (where many bakers put it) is found."""
    payload = payloads()["assertion-json"]
    image = insert_before_iend(png_image((300, 300)), itxt("openbadges", payload.encode()))
    found = unbake(image)
    assert found is not None and found.payload == payload


def test_similar_keywords_are_not_badges() -> None:
    """Keywords are matched exactly: ``OpenBadges`` or ``openbadges2`` are other text."""
    image = insert_after_ihdr(
        png_image(), itxt("OpenBadges", b"https://a.example"), itxt("openbadges2", b"https://b")
    )
    assert unbake(image) is None


def test_plain_png_has_no_badge() -> None:
    """A well-formed PNG without badge data unbakes to None."""
    assert unbake(png_with_text(("add_text", "Software", "Pillow", {}))) is None


def test_itxt_that_is_not_utf8() -> None:
    """iTXt text must be UTF-8; Latin-1 bytes there are TEXT_ENCODING."""
    image = insert_after_ihdr(png_image(), itxt("openbadges", b"https://issuer.example/caf\xe9"))
    with pytest.raises(BakeryError) as caught:
        unbake(image)
    assert caught.value.code is ErrorCode.TEXT_ENCODING


def test_garbage_in_the_badge_chunk_is_payload_malformed() -> None:
    """A badge chunk holding something that is no payload says so."""
    image = insert_after_ihdr(png_image(), itxt("openbadges", b"hello there"))
    with pytest.raises(BakeryError) as caught:
        unbake(image)
    assert caught.value.code is ErrorCode.PAYLOAD_MALFORMED
