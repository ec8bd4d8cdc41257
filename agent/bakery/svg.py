"""Unbake an SVG: find the first badge element and read its payload, streaming.

Rules:
- The badge element is ``assertion`` in ``http://openbadges.org`` (OB 1.x/2.0) or ``credential``
  in ``https://purl.imsglobal.org/ob/v3p0`` (OB 3.0), under any prefix or as the default
  namespace. The first one in document order wins; parsing stops when it closes.
- Payload: the element's character data (CDATA and text) with the surrounding XML whitespace
  removed (the specs indent it); when that is empty, the ``verify`` attribute. So for an element
  with both, the JSON body wins. Nothing is re-serialised.
- Only the badge element's own text is collected, capped at MAX_PAYLOAD_BYTES; no tree is built.
  Elements nested deeper than MAX_DEPTH are refused: expat keeps ~120 bytes per open element.
- Fast path, because expat alone needs ~50 ms for 10 MB: the prolog and the root start tag are
  parsed (that is where DTDs and entities live), then the badge element's start tag is located
  with byte searches and parsed in place, as if it followed the root start tag. It is taken only
  when nothing skipped can change the answer: the candidate is not inside a comment, CDATA
  section, processing instruction or another tag, and no ``xmlns`` occurs between the root start
  tag and it (so its prefix means what the root says). Anything else takes the slow path, one
  full streaming parse. As with "the rest of the SVG can be discarded" after the badge, the
  skipped content before it is not checked for well-formedness.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.parsers import expat

from agent.bakery.model import Unbaked
from agent.bakery.payload import MAX_PAYLOAD_BYTES, classify_payload
from agent.bakery.svg_guard import (
    BADGE_ELEMENTS,
    MAX_DEPTH,
    SVG_ROOTS,
    feed,
    finish,
    guarded_parser,
    malformed,
    not_svg,
    too_deep,
)
from agent.bakery.svg_lexis import OpaqueSections, start_tag_end
from agent.errors import BakeryError, ErrorCode

_XML_SPACE = " \t\r\n"
# A badge element is a few kB: small slices keep expat's buffer small when it sits early.
_FIRST_CHILD_SLICE = 64 * 1024
# Past this many look-alikes (or occurrences of the words), one full parse is cheaper.
_MAX_CANDIDATES = 64
_MAX_WORDS = 1024
_TAG_OPENING = re.compile(rb"<(?:[^\s<>/:=\"'!?]{1,64}:)?\Z")
_NAME_CHARS = re.compile(rb"[^\s<>/:=\"'!?]*:")
_NAME_END = frozenset(b" \t\r\n/>")


class _BadgeClosed(Exception):
    """Raised from a handler to stop expat once the badge element has closed."""


class _NotBadge(Exception):
    """Raised from a handler when the fast path's candidate is not a badge element."""


def unbake_svg(data: bytes, root_start: int | None = None) -> Unbaked | None:
    """The badge payload of an SVG, or ``None`` when a well-formed SVG carries none."""
    if root_start is not None:
        found = _fast_scan(data, root_start)
        if found is not None:
            return found
    return _full_scan(data)


class _BadgeReader:
    """Expat handlers: check the root, then wait for the badge element and collect its text."""

    def __init__(self, parser: expat.XMLParserType, *, first_child_only: bool) -> None:
        self._parser = parser
        self._first_child_only = first_child_only
        self._pieces: list[str] = []
        self._size = 0
        self._nesting = 0  # open elements outside the badge (full parse only)
        self._depth = 0  # open elements from the badge element down
        self._keyword = ""
        self._verify: str | None = None
        parser.StartElementHandler = self._root

    def result(self) -> Unbaked:
        body = "".join(self._pieces).strip(_XML_SPACE)
        payload = body or (self._verify or "").strip(_XML_SPACE)
        if not payload:
            raise BakeryError(
                ErrorCode.PAYLOAD_MALFORMED,
                f"The SVG's {self._keyword} element is empty. Ask the issuer to re-issue the "
                "badge.",
            )
        kind = classify_payload(payload)
        return Unbaked(payload=payload, kind=kind, container="svg", keyword=self._keyword)

    def _root(self, name: str, attributes: dict[str, str]) -> None:
        if name not in SVG_ROOTS:
            raise not_svg()
        self._nesting = 1
        self._parser.StartElementHandler = self._element
        if not self._first_child_only:
            self._parser.EndElementHandler = self._close

    def _element(self, name: str, attributes: dict[str, str]) -> None:
        keyword = BADGE_ELEMENTS.get(name)
        if keyword is None:
            if self._first_child_only:
                raise _NotBadge
            self._nesting += 1
            if self._nesting > MAX_DEPTH:
                raise too_deep()
            return
        self._keyword = keyword
        self._verify = attributes.get("verify")
        if self._verify is not None and len(self._verify) > MAX_PAYLOAD_BYTES:
            raise _too_large()
        self._depth = 1
        self._parser.StartElementHandler = self._inner_start
        self._parser.EndElementHandler = self._inner_end
        self._parser.CharacterDataHandler = self._text

    def _close(self, name: str) -> None:
        self._nesting -= 1

    def _inner_start(self, name: str, attributes: dict[str, str]) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise too_deep()

    def _inner_end(self, name: str) -> None:
        self._depth -= 1
        if self._depth == 0:
            raise _BadgeClosed

    def _text(self, text: str) -> None:
        self._size += len(text)
        if self._size > MAX_PAYLOAD_BYTES:
            raise _too_large()
        self._pieces.append(text)


def _full_scan(data: bytes) -> Unbaked | None:
    parser = guarded_parser()
    reader = _BadgeReader(parser, first_child_only=False)
    try:
        feed(parser, memoryview(data), 0, len(data))
        finish(parser)
    except _BadgeClosed:
        return reader.result()
    except expat.ExpatError as exc:
        raise malformed(exc) from exc
    return None


def _fast_scan(data: bytes, root_start: int) -> Unbaked | None:
    """The payload found without parsing what precedes the badge element; ``None``: undecided."""
    root_end = start_tag_end(data, root_start)
    if root_end is None or data[root_end - 2 : root_end] == b"/>":
        return None
    opaque = OpaqueSections(data, root_end)
    checked = root_end  # no ``xmlns`` between the root start tag and here
    for tried, candidate in enumerate(_candidates(data, root_end)):
        if tried == _MAX_CANDIDATES or candidate < 0:
            return None
        if data.find(b"xmlns", checked, candidate) >= 0:
            return None
        checked = candidate
        hidden = opaque.hides(candidate)
        if hidden is None:
            return None
        if hidden:
            continue
        if _inside_tag(data, root_end, candidate):
            return None
        try:
            return _read_first_child(data, root_end, candidate)
        except _NotBadge:
            continue
        except expat.ExpatError:
            return None  # the full parse says precisely what is wrong
    return None


def _read_first_child(data: bytes, root_end: int, candidate: int) -> Unbaked:
    """Parse the prolog and root start tag, then the data from ``candidate`` as its first child."""
    parser = guarded_parser()
    reader = _BadgeReader(parser, first_child_only=True)
    view = memoryview(data)
    try:
        feed(parser, view, 0, root_end)
        feed(parser, view, candidate, len(data), slice_size=_FIRST_CHILD_SLICE)
        finish(parser)
    except _BadgeClosed:
        return reader.result()
    raise _NotBadge


def _candidates(data: bytes, start: int) -> Iterator[int]:
    """Offsets of ``<`` that may open an ``assertion`` or ``credential`` element, in order.

    Yields -1 when it cannot tell: a prefix too long to check here, or too many words.
    """
    pos = start
    first = data.find(b"assertion", pos)
    for _ in range(_MAX_WORDS):
        if 0 <= first < pos:
            first = data.find(b"assertion", pos)
        # Search the other word only up to the first: the file is scanned once, not twice.
        second = data.find(b"credential", pos, first if first >= 0 else len(data))
        hit, word_end = (second, second + 10) if second >= 0 else (first, first + 9)
        if hit < 0:
            return
        pos = hit + 1
        if word_end < len(data) and data[word_end] not in _NAME_END:
            continue
        window = max(start, hit - 66)
        opening = _TAG_OPENING.search(data, window, hit)
        if opening is not None:
            yield opening.start()
        elif data[hit - 1 : hit] == b":" and _NAME_CHARS.fullmatch(data, window, hit):
            yield -1
    yield -1  # the words are everywhere: let the full parse sort them out


def _inside_tag(data: bytes, floor: int, candidate: int) -> bool:
    """True when the last tag opened before ``candidate`` is still open there (a quoted ``<``)."""
    previous = data.rfind(b"<", floor, candidate)
    if previous < 0 or data[previous + 1 : previous + 2] in (b"!", b"?"):
        return False
    end = start_tag_end(data, previous)
    return end is None or end > candidate


def _too_large() -> BakeryError:
    return BakeryError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        f"The badge data in this SVG is over {MAX_PAYLOAD_BYTES // 1000} kB; real badges are far "
        "smaller, so this is probably not a badge.",
    )
