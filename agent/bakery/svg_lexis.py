"""Byte-level facts about XML content, found with ``bytes.find`` instead of a parser.

Rules:
- Inside element content, ``<!--``, ``<![CDATA[`` and ``<?`` open sections that run to the first
  ``-->``, ``]]>`` and ``?>``; nothing inside them is markup. Walking them in order is exact for
  well-formed content because ``<`` cannot occur in text or attribute values.
- A start tag ends at the first ``>`` outside quotes.
- Searches go for the rare byte (``!``, ``?``) with memchr speed and check the ``<`` before it;
  after a few dozen false hits they fall back to a plain two-byte search, so a file full of ``!``
  costs linear time, not a Python loop per byte.
- Each search starts where the last one stopped, so a walk over a whole file is linear.
"""

from __future__ import annotations

import re

_CLOSERS = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_MARKS = (b"!", b"?")
_GALLOP = 32
# The rest of a tag: unquoted stretches and quoted values, up to the first ``>`` outside quotes.
# The pieces exclude each other's delimiters, so matching never backtracks more than linearly.
_TAG_REST = re.compile(rb"[^\"'>]*(?:(?:\"[^\"]*\"|'[^']*')[^\"'>]*)*>")


class OpaqueSections:
    """Answers "is this offset inside a comment, CDATA section or PI?" for rising offsets."""

    def __init__(self, data: bytes, start: int, *, budget: int = 4096) -> None:
        self._data = data
        self._budget = budget  # sections walked before giving up
        self._next = [find_markup(data, mark, start) for mark in _MARKS]
        self._open_until = -1  # end of the section that hid the last offset asked about

    def hides(self, offset: int) -> bool | None:
        """True when ``offset`` (never smaller than the previous one) lies inside a section.

        ``None`` once more sections than the budget lie before it: a parser walks those faster.
        """
        if offset < self._open_until:
            return True
        if self._open_until >= 0:
            self._advance(self._open_until)
            self._open_until = -1
        data = self._data
        while True:
            live = [pos for pos in self._next if pos >= 0]
            if not live:
                return False
            start = min(live)
            if start >= offset:
                return False
            self._budget -= 1
            if self._budget < 0:
                return None
            opener = next((o for o in _CLOSERS if data.startswith(o, start)), None)
            if opener is None:  # ``<!`` that opens neither: not well-formed, not hiding anything
                self._advance(start + 2)
                continue
            close = data.find(_CLOSERS[opener], start + len(opener))
            end = len(data) if close < 0 else close + len(_CLOSERS[opener])
            if end > offset:
                self._open_until = end
                return True
            self._advance(end)

    def _advance(self, pos: int) -> None:
        for index, found in enumerate(self._next):
            if 0 <= found < pos:
                self._next[index] = find_markup(self._data, _MARKS[index], pos)


def find_markup(data: bytes, mark: bytes, start: int) -> int:
    """Offset of the next ``<`` + ``mark`` at or after ``start``, or -1."""
    pos = start + 1
    for _ in range(_GALLOP):
        hit = data.find(mark, pos)
        if hit < 0:
            return -1
        if data[hit - 1] == 0x3C:  # "<"
            return hit - 1
        pos = hit + 1
    return data.find(b"<" + mark, pos - 1)


def start_tag_end(data: bytes, start: int) -> int | None:
    """The offset just past the ``>`` that closes the tag opening at ``start``; ``None`` if none."""
    match = _TAG_REST.match(data, start + 1)
    return match.end() if match is not None else None
