"""Fuzz the bakery: mutated PNG and SVG bytes give a payload, None, or a typed error."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.bakery import bake, read_source, unbake
from agent.errors import BadgekeeperError, BakeryError, ErrorCode
from tests.fuzz.conftest import examples, ran
from tests.fuzz.samples import seeds

pytestmark = pytest.mark.timeout(60)

FUZZ = settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Edit = tuple[int, int, bytes]  # (position, bytes removed, bytes inserted)
edits = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=1 << 20),
        st.integers(min_value=0, max_value=64),
        st.binary(max_size=16),
    ),
    min_size=1,
    max_size=6,
)


def mutate(data: bytes, changes: list[Edit]) -> bytes:
    out = bytearray(data)
    for position, removed, inserted in changes:
        at = position % (len(out) + 1)
        out[at : at + removed] = inserted
    return bytes(out)


def _both(data: bytes, target: str) -> None:
    ran(target)
    with contextlib.suppress(BadgekeeperError):
        unbake(data)
    with contextlib.suppress(BadgekeeperError):
        read_source(data)


@FUZZ
@given(edits)
def test_mutated_png_is_read_or_refused(changes: list[Edit]) -> None:
    """Any edit of a baked PNG unbakes or fails with a BadgekeeperError, nothing else."""
    _both(mutate(seeds()["ob2-hosted-png"].image, changes), "bakery-png")


@FUZZ
@given(edits)
def test_mutated_svg_is_read_or_refused(changes: list[Edit]) -> None:
    """Any edit of a baked SVG unbakes or fails with a BadgekeeperError, nothing else."""
    _both(mutate(seeds()["ob2-hosted-svg"].image, changes), "bakery-svg")


SVG_PIECES = st.sampled_from(
    [
        b"<",
        b">",
        b"<!--",
        b"-->",
        b"<![CDATA[",
        b"]]>",
        b"<!DOCTYPE svg [<!ENTITY x 'y'>]>",
        b"&x;",
        b"&#0;",
        b"<openbadges:assertion verify='",
        b"</openbadges:assertion>",
        b"<script>",
        b"xmlns:openbadges='http://openbadges.org'",
        b"\xff\xfe",
        b"\x00",
        b"'",
        b'"',
    ]
)


@FUZZ
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=1 << 16), SVG_PIECES), max_size=8))
def test_svg_with_hostile_markup_is_read_or_refused(pieces: list[tuple[int, bytes]]) -> None:
    """SVG syntax spliced anywhere (entities, CDATA, comments) fails typed or reads."""
    data = seeds()["ob2-hosted-svg"].image
    _both(mutate(data, [(position, 0, piece) for position, piece in pieces]), "bakery-svg-markup")


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_are_read_or_refused(data: bytes) -> None:
    """Random bytes (text, junk, a bare PNG signature) read or fail typed."""
    _both(data, "bakery-bytes")
    _both(b"\x89PNG\r\n\x1a\n" + data, "bakery-bytes")


@pytest.mark.parametrize("reader", [unbake, read_source])
def test_unknown_svg_encoding_is_a_typed_error(reader: object) -> None:
    """Regression (found by fuzzing): an unknown XML encoding must be IMAGE_MALFORMED."""
    data = seeds()["ob2-hosted-svg"].image.replace(b"UTF-8", b"U-TF-8", 1)
    assert b"U-TF-8" in data
    with pytest.raises(BadgekeeperError):
        reader(data)  # type: ignore[operator]


@pytest.mark.parametrize(
    "encoding", [b"UTF-7", b"Shift_JIS", b"GBK", b"utf_16", b"idna", b"punycode", b"undefined"]
)
@pytest.mark.parametrize(
    "reader", [unbake, read_source, lambda data: bake(data, "https://a.test/")]
)
def test_unreadable_svg_encoding_is_a_typed_error(
    reader: Callable[[bytes], object], encoding: bytes
) -> None:
    """Regression (found by atheris): a multi-byte or undecodable encoding is IMAGE_MALFORMED."""
    data = seeds()["ob2-hosted-svg"].image.replace(
        b'encoding="UTF-8"', b'encoding="%s"' % encoding, 1
    )
    assert encoding in data
    with pytest.raises(BakeryError) as caught:
        reader(data)
    assert caught.value.code is ErrorCode.IMAGE_MALFORMED
