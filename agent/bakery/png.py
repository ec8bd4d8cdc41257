"""Open Badges in PNG: find (unbake) and write (bake) the badge text chunk.

Rules:
- Walk the chunk list by lengths and never decode pixels; IDAT and other chunks are skipped
  without reading or copying them (their CRCs are checked only when baking, which rewrites them).
- A chunk length of 2^31 or more, a chunk running past the end of the data, a chunk type that is
  not four ASCII letters, a first chunk that is not IHDR, or data ending before IEND is
  IMAGE_MALFORMED.
- The chunk list is walked to IEND even after the badge chunk (lengths only, a few microseconds
  for a 10 MB file), so a truncated download is reported rather than half-read.
- The badge chunk is the first ``iTXt`` (or legacy ``tEXt``/``zTXt``) whose keyword is
  ``openbadges`` (OB 1.x/2.0) or ``openbadgecredential`` (OB 3.0); its CRC must match.
- ``iTXt`` text is UTF-8 (else TEXT_ENCODING); ``tEXt``/``zTXt`` text is Latin-1 by the PNG spec.
- Compressed text is inflated with a cap (zlib ``max_length``), never in one go.
- Baking writes one uncompressed ``iTXt`` chunk right after IHDR, so readers that stop at the
  first badge chunk find it before the image data, and drops every older badge chunk.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from agent.bakery.model import Unbaked
from agent.bakery.payload import MAX_PAYLOAD_BYTES, classify_payload
from agent.errors import BakeryError, ErrorCode

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD_OB2 = "openbadges"
KEYWORD_OB3 = "openbadgecredential"

_BADGE_KEYWORDS = frozenset({KEYWORD_OB2.encode(), KEYWORD_OB3.encode()})
_TEXT_CHUNKS = frozenset({b"iTXt", b"tEXt", b"zTXt"})
_MAX_CHUNK_LENGTH = 2**31 - 1
_MAX_KEYWORD = 79  # PNG keywords are 1-79 bytes
_HEAD = struct.Struct(">I4s")
_CRC = struct.Struct(">I")


def unbake_png(data: bytes) -> Unbaked | None:
    """The badge payload of a PNG, or ``None`` when a well-formed PNG carries none."""
    chunks = _chunks(data)
    for chunk_type, start, length in chunks:
        if chunk_type not in _TEXT_CHUNKS:
            continue
        end = start + length
        keyword_end = data.find(b"\x00", start, min(end, start + _MAX_KEYWORD + 1))
        if keyword_end < 0 or data[start:keyword_end] not in _BADGE_KEYWORDS:
            continue
        _check_crc(data, start, length)
        text = _chunk_text(chunk_type, data, keyword_end + 1, end)
        keyword = data[start:keyword_end].decode("ascii")
        for _rest in chunks:  # a file cut short after the badge is still a damaged download
            pass
        return Unbaked(payload=text, kind=classify_payload(text), container="png", keyword=keyword)
    return None


def bake_png(data: bytes, text: str, keyword: str) -> bytes:
    """A copy of the PNG with ``text`` in one uncompressed ``iTXt`` chunk named ``keyword``."""
    body = keyword.encode("ascii") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")
    badge_chunk = _CRC.pack(len(body)) + b"iTXt" + body + _CRC.pack(zlib.crc32(b"iTXt" + body))
    view = memoryview(data)
    parts: list[bytes | memoryview] = [PNG_SIGNATURE]
    end = len(PNG_SIGNATURE)
    for chunk_type, start, length in _chunks(data):
        _check_crc(data, start, length)
        end = start + length + 4
        if not _is_badge_chunk(data, chunk_type, start, length):
            parts.append(view[start - 8 : end])
        if chunk_type == b"IHDR":
            parts.append(badge_chunk)
    parts.append(view[end:])  # whatever follows IEND stays as it was
    return b"".join(parts)


def _chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(type, data_start, length)`` for each chunk up to and including IEND."""
    if not data.startswith(PNG_SIGNATURE):
        raise BakeryError(ErrorCode.IMAGE_UNSUPPORTED)
    size = len(data)
    pos = len(PNG_SIGNATURE)
    first = True
    while True:
        if pos + 12 > size:
            raise _malformed("it ends before the PNG's closing IEND chunk")
        length, chunk_type = _HEAD.unpack_from(data, pos)
        if length > _MAX_CHUNK_LENGTH:
            raise _malformed("a chunk declares a length of 2^31 bytes or more")
        if pos + 12 + length > size:
            raise _malformed("a chunk runs past the end of the file")
        if not chunk_type.isalpha():
            raise _malformed("a chunk type is not four letters")
        if first and chunk_type != b"IHDR":
            raise _malformed("it does not start with an IHDR chunk")
        first = False
        yield chunk_type, pos + 8, length
        if chunk_type == b"IEND":
            return
        pos += 12 + length


def _is_badge_chunk(data: bytes, chunk_type: bytes, start: int, length: int) -> bool:
    if chunk_type not in _TEXT_CHUNKS:
        return False
    keyword_end = data.find(b"\x00", start, min(start + length, start + _MAX_KEYWORD + 1))
    return keyword_end >= 0 and data[start:keyword_end] in _BADGE_KEYWORDS


def _check_crc(data: bytes, start: int, length: int) -> None:
    expected = _CRC.unpack_from(data, start + length)[0]
    if zlib.crc32(memoryview(data)[start - 4 : start + length]) != expected:
        raise _malformed("a chunk's checksum (CRC) does not match its content")


def _chunk_text(chunk_type: bytes, data: bytes, pos: int, end: int) -> str:
    """Decode the text after the keyword's NUL of an iTXt, tEXt or zTXt chunk."""
    if chunk_type == b"tEXt":
        return _bounded(data, pos, end).decode("latin-1")
    if chunk_type == b"zTXt":
        if pos >= end or data[pos] != 0:
            raise _malformed("a compressed text chunk names an unknown compression method")
        return _inflate(memoryview(data)[pos + 1 : end]).decode("latin-1")
    # iTXt: compression flag, compression method, language tag NUL, translated keyword NUL, text
    if pos + 2 > end:
        raise _malformed("the badge text chunk is cut short")
    flag, method = data[pos], data[pos + 1]
    language_end = data.find(b"\x00", pos + 2, end)
    translated_end = data.find(b"\x00", language_end + 1, end) if language_end >= 0 else -1
    if translated_end < 0:
        raise _malformed("the badge text chunk lacks its language and keyword fields")
    text_start = translated_end + 1
    if flag == 0:
        raw = _bounded(data, text_start, end)
    elif flag == 1 and method == 0:
        raw = _inflate(memoryview(data)[text_start:end])
    else:
        raise _malformed("the badge text chunk names an unknown compression method")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BakeryError(ErrorCode.TEXT_ENCODING) from exc


def _bounded(data: bytes, start: int, end: int) -> bytes:
    if end - start > MAX_PAYLOAD_BYTES:
        raise _too_large()
    return data[start:end]


def _inflate(compressed: memoryview) -> bytes:
    """Inflate at most MAX_PAYLOAD_BYTES + 1 bytes: a zip bomb costs a megabyte, not a gigabyte."""
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, MAX_PAYLOAD_BYTES + 1)
    except zlib.error as exc:
        raise _malformed("the compressed badge text is corrupt") from exc
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise _too_large()
    if not inflater.eof:
        raise _malformed("the compressed badge text is cut short")
    return raw


def _malformed(why: str) -> BakeryError:
    return BakeryError(
        ErrorCode.IMAGE_MALFORMED,
        f"The PNG is damaged: {why}. Download the badge again from the issuer's e-mail or page.",
    )


def _too_large() -> BakeryError:
    return BakeryError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        f"The badge text in this PNG is over {MAX_PAYLOAD_BYTES // 1000} kB; real badges are far "
        "smaller, so this is probably not a badge.",
    )
