"""Fuzz the native-messaging framing: any byte stream yields frames or a FramingError.

The framing is pure and below the BadgekeeperError layer: its typed outcomes are the
``FramingError`` family (the host maps them to codes). Nothing else may escape, no frame may be
read past the limit, and what ``encode_frame`` writes reads back exactly.
"""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native_host.framing import (
    HEADER,
    EndOfInput,
    FramingError,
    OversizedFrame,
    encode_frame,
    read_frame,
    skip_frame_body,
)
from tests.fuzz.conftest import examples, ran

pytestmark = pytest.mark.timeout(60)

FUZZ = settings(max_examples=examples(500), deadline=None)
LIMIT = 4096


def _chunked(data: bytes, sizes: list[int]) -> io.BytesIO | _Trickle:
    return _Trickle(data, sizes) if sizes else io.BytesIO(data)


class _Trickle:
    """A stream that hands out at most a few bytes per read (a slow pipe)."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes, self.at, self.turn = data, sizes, 0, 0

    def read(self, size: int) -> bytes:
        step = min(size, self.sizes[self.turn % len(self.sizes)])
        self.turn += 1
        chunk = self.data[self.at : self.at + step]
        self.at += len(chunk)
        return chunk


@FUZZ
@given(st.binary(max_size=2048), st.lists(st.integers(min_value=1, max_value=7), max_size=4))
def test_any_stream_gives_frames_or_a_framing_error(data: bytes, sizes: list[int]) -> None:
    """Reading frames from arbitrary bytes ends with EndOfInput or another FramingError."""
    ran("framing-stream")
    stream = _chunked(data, sizes)
    for _ in range(len(data) + 1):
        try:
            payload = read_frame(stream.read, LIMIT)
        except OversizedFrame as exc:
            assert exc.length > LIMIT
            skip_frame_body(stream.read, exc.length)
            continue
        except FramingError:
            return
        assert len(payload) <= LIMIT
    pytest.fail("more frames than bytes")


@FUZZ
@given(st.lists(st.binary(max_size=300), max_size=6), st.lists(st.integers(1, 5), max_size=3))
def test_encoded_frames_read_back_exactly(payloads: list[bytes], sizes: list[int]) -> None:
    """Frames written by encode_frame read back unchanged, however the pipe splits them."""
    ran("framing-roundtrip")
    stream = _chunked(b"".join(encode_frame(p) for p in payloads), sizes)
    assert [read_frame(stream.read, LIMIT) for _ in payloads] == payloads
    with pytest.raises(EndOfInput):
        read_frame(stream.read, LIMIT)


@FUZZ
@given(st.integers(min_value=0, max_value=2**32 - 1), st.binary(max_size=64))
def test_a_huge_announced_length_is_never_allocated(length: int, body: bytes) -> None:
    """Any announced length over the limit is reported, not read into memory."""
    ran("framing-length")
    stream = io.BytesIO(HEADER.pack(length) + body)
    try:
        payload = read_frame(stream.read, LIMIT)
    except OversizedFrame as exc:
        assert exc.length == length > LIMIT
        return
    except FramingError:
        assert length > len(body)
        return
    assert length <= LIMIT and payload == body[:length]


def test_header_is_four_bytes() -> None:
    """The frame header is a 32-bit length (the browsers' format)."""
    assert HEADER.size == struct.calcsize("=I") == 4
