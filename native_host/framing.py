"""Native messaging framing: a 4-byte length in native byte order, then UTF-8 JSON.

Rules:
- Browser → host: at most ``MAX_INCOMING`` bytes (64 MiB, Chrome's limit and the agent's). A
  longer frame is never read into memory: its length is reported (``OversizedFrame``) so the
  caller can answer ``MESSAGE_TOO_LARGE`` and skip exactly that many bytes.
- Host → browser: at most ``MAX_OUTGOING`` bytes. Chrome drops a host that sends 1 MiB or more
  ("Error when communicating with the native messaging host"); Firefox reads 1 MiB at most.
- End of input exactly between two frames is the browser closing the port (``EndOfInput``);
  anywhere else it is a frame cut short (``TruncatedFrame``).
- Pure: the reader is handed a ``read(n)`` function; nothing here touches a file.
"""

from __future__ import annotations

import struct

TYPE_CHECKING = False  # typing costs start-up time; mypy still reads the imports below
if TYPE_CHECKING:
    from collections.abc import Callable

HEADER = struct.Struct("=I")  # native byte order, as Chrome and Firefox write it
MAX_INCOMING = 64 * 1024 * 1024
MAX_OUTGOING = 1024 * 1024 - 1
SKIP_CHUNK = 1024 * 1024


class FramingError(Exception):
    """The input stream does not hold a complete frame here."""


class EndOfInput(FramingError):
    """The browser closed the stream between two frames: time to exit."""


class TruncatedFrame(FramingError):
    """The stream ended inside a frame's length or body."""


class OversizedFrame(FramingError):
    """A frame announced more than ``MAX_INCOMING`` bytes; its body is still unread."""

    def __init__(self, length: int) -> None:
        super().__init__(f"a message of {length} bytes")
        self.length = length


def encode_frame(payload: bytes) -> bytes:
    """The frame carrying ``payload`` (the caller keeps it under ``MAX_OUTGOING``)."""
    return HEADER.pack(len(payload)) + payload


def _read_exactly(read: Callable[[int], bytes], size: int) -> bytes:
    """``size`` bytes, or fewer only when the stream ended."""
    first = read(size)
    if len(first) == size or not first:
        return first
    parts, have = [first], len(first)
    while have < size:
        chunk = read(size - have)
        if not chunk:
            break
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts)


def read_frame(read: Callable[[int], bytes], limit: int = MAX_INCOMING) -> bytes:
    """The next frame's payload; raises ``EndOfInput``, ``TruncatedFrame`` or ``OversizedFrame``."""
    header = _read_exactly(read, HEADER.size)
    if not header:
        raise EndOfInput("the browser closed the port")
    if len(header) < HEADER.size:
        raise TruncatedFrame("the input ended inside a message's length")
    (length,) = HEADER.unpack(header)
    if length > limit:
        raise OversizedFrame(length)
    payload = _read_exactly(read, length)
    if len(payload) < length:
        raise TruncatedFrame(f"the input ended after {len(payload)} of {length} bytes")
    return payload


def skip_frame_body(read: Callable[[int], bytes], length: int) -> bool:
    """Read and drop ``length`` bytes in bounded chunks; False when the stream ended first."""
    left = length
    while left > 0:
        chunk = read(min(left, SKIP_CHUNK))
        if not chunk:
            return False
        left -= len(chunk)
    return True
