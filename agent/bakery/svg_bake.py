"""Bake a payload into an SVG: one badge element as the first child of ``<svg>``.

Rules:
- The whole SVG is parsed first with the guarded parser: a DTD or entity is refused, malformed
  XML is refused, and every existing badge element (OB 2.0 or 3.0) is found and removed. The rest
  of the file is kept byte for byte.
- OB 2.0: ``<openbadges:assertion>`` in ``http://openbadges.org``. A signed assertion (JWS) or a
  URL goes in the ``verify`` attribute of an empty element; assertion JSON goes in CDATA, with
  ``verify`` = the assertion's URL when it is a hosted assertion.
- OB 3.0: ``<openbadges:credential>`` in ``https://purl.imsglobal.org/ob/v3p0``. A VC-JWT goes in
  ``verify`` (as the OB 3.0 baking section says); credential JSON goes in CDATA.
- ``xmlns:openbadges`` is added to ``<svg>`` as the specs show; when the root already binds that
  prefix to the other namespace, the element declares its own instead.
- Text is escaped so that unbaking returns it exactly: ``]]>`` splits the CDATA section and a
  carriage return (which XML would turn into a newline) is written as ``&#13;``.
- Non-ASCII payloads need a UTF-8 SVG; an SVG declared in another encoding is refused for them.
"""

from __future__ import annotations

import codecs
import re
from typing import Any
from xml.parsers import expat

from agent.bakery.model import PayloadKind
from agent.bakery.payload import parse_payload_json
from agent.bakery.svg_guard import (
    BADGE_ELEMENTS,
    MAX_DEPTH,
    OB2_NAMESPACE,
    OB3_NAMESPACE,
    SVG_ROOTS,
    feed,
    finish,
    guarded_parser,
    malformed,
    not_svg,
    too_deep,
)
from agent.bakery.svg_lexis import start_tag_end
from agent.errors import BakeryError, ErrorCode

PREFIX = "openbadges"
_QNAME = re.compile(rb"<([^\s/>]+)")
_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


class _Layout:
    """Where the root start tag and the existing badge elements are, from one full parse."""

    def __init__(self, parser: expat.XMLParserType) -> None:
        self._parser = parser
        self.encoding: str | None = None
        self.root_start = -1
        self.root_prefixes: dict[str | None, str] = {}
        self.badges: list[tuple[int, int]] = []  # (start of start tag, offset of the end event)
        self._badge_start = -1
        self._nesting = 0
        self._depth = 0  # open elements from a badge element down
        parser.XmlDeclHandler = self._declaration
        parser.StartNamespaceDeclHandler = self._namespace
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end

    def _declaration(self, version: str, encoding: str | None, standalone: int) -> None:
        self.encoding = encoding

    def _namespace(self, prefix: str | None, uri: str) -> None:
        if self.root_start < 0:  # declarations met before the root's start event are the root's
            self.root_prefixes[prefix] = uri

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        position = self._parser.CurrentByteIndex
        self._nesting += 1
        if self._nesting > MAX_DEPTH:
            raise too_deep()
        if self.root_start < 0:
            if name not in SVG_ROOTS:
                raise not_svg()
            self.root_start = position
        elif self._depth:
            self._depth += 1
        elif name in BADGE_ELEMENTS:
            self._badge_start = position
            self._depth = 1

    def _end(self, name: str) -> None:
        self._nesting -= 1
        if self._depth:
            self._depth -= 1
            if self._depth == 0:
                self.badges.append((self._badge_start, self._parser.CurrentByteIndex))


def bake_svg(data: bytes, text: str, kind: PayloadKind, *, ob3: bool) -> bytes:
    """A copy of the SVG with ``text`` in a badge element right after the ``<svg>`` start tag."""
    layout = _parse(data)
    _check_encoding(layout.encoding, text)
    namespace = OB3_NAMESPACE if ob3 else OB2_NAMESPACE
    bound = layout.root_prefixes.get(PREFIX)
    element = _badge_element(text, kind, ob3=ob3, declare=bound not in (None, namespace))

    root_start = layout.root_start
    root_end = start_tag_end(data, root_start)
    qname = _QNAME.match(data, root_start)
    if root_end is None or qname is None:  # pragma: no cover - expat accepted this start tag
        raise BakeryError(ErrorCode.IMAGE_MALFORMED)
    edits: list[tuple[int, int, bytes]] = []
    if bound is None:
        edits.append((qname.end(), qname.end(), f' xmlns:{PREFIX}="{namespace}"'.encode()))
    if data[root_end - 2 : root_end] == b"/>":
        closing = b"></" + qname.group(1) + b">"
        edits.append((root_end - 2, root_end, closing[:1] + element + closing[1:]))
    else:
        edits.append((root_end, root_end, element))
    edits.extend((start, _element_end(data, start, end), b"") for start, end in layout.badges)
    return _apply(data, edits)


def _parse(data: bytes) -> _Layout:
    parser = guarded_parser()
    layout = _Layout(parser)
    try:
        feed(parser, memoryview(data), 0, len(data))
        finish(parser)
    except expat.ExpatError as exc:
        raise malformed(exc) from exc
    return layout


def _check_encoding(encoding: str | None, text: str) -> None:
    # The sniffer found ``<svg`` in ASCII bytes and expat read the file, so ASCII text fits any
    # encoding it declares; anything else needs UTF-8, the default when none is declared.
    if text.isascii() or encoding is None:
        return
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        utf8 = False
    if not utf8:
        raise BakeryError(
            ErrorCode.IMAGE_UNSUPPORTED,
            f"This SVG is saved as {encoding}, which cannot carry this badge data. Save the SVG "
            "as UTF-8 and bake again.",
        )


def _badge_element(text: str, kind: PayloadKind, *, ob3: bool, declare: bool) -> bytes:
    local = "credential" if ob3 else "assertion"
    namespace = OB3_NAMESPACE if ob3 else OB2_NAMESPACE
    declaration = f' xmlns:{PREFIX}="{namespace}"' if declare else ""
    if kind not in (PayloadKind.ASSERTION_JSON, PayloadKind.CREDENTIAL_JSON):
        return f'<{PREFIX}:{local}{declaration} verify="{_attribute(text)}"/>'.encode()
    hosted = _hosted_url(parse_payload_json(text)) if kind is PayloadKind.ASSERTION_JSON else None
    verify = f' verify="{_attribute(hosted)}"' if hosted else ""
    return f"<{PREFIX}:{local}{declaration}{verify}>{_cdata(text)}</{PREFIX}:{local}>".encode()


def _hosted_url(assertion: dict[str, Any]) -> str | None:
    """The URL a hosted assertion lives at: its ``id`` (2.0) or ``verify.url`` (1.x)."""
    verification = assertion.get("verification", assertion.get("verify"))
    if not isinstance(verification, dict):
        return None
    kind = verification.get("type")
    if not isinstance(kind, str) or re.split("[/#]", kind)[-1] not in ("hosted", "HostedBadge"):
        return None
    url = verification.get("url", assertion.get("id"))
    return url if isinstance(url, str) and url.strip() else None


def _attribute(value: str) -> str:
    return value.translate(_ATTRIBUTE_ESCAPES)


def _cdata(text: str) -> str:
    sections = (
        "<![CDATA[" + line.replace("]]>", "]]]]><![CDATA[>") + "]]>" if line else ""
        for line in text.split("\r")
    )
    return "&#13;".join(sections)


def _element_end(data: bytes, start: int, end_event: int) -> int:
    """Offset just past a badge element, given where expat reported its start and end."""
    tag_end = start_tag_end(data, start)
    if tag_end is None:  # pragma: no cover - expat accepted this start tag
        raise BakeryError(ErrorCode.IMAGE_MALFORMED)
    if data[tag_end - 2 : tag_end] == b"/>":
        return tag_end
    return data.index(b">", end_event) + 1


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Replace each ``data[start:end]`` by its bytes; insertions sort before removals."""
    view = memoryview(data)
    parts: list[bytes | memoryview] = []
    cursor = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        parts.append(view[cursor:start])
        parts.append(replacement)
        cursor = end
    parts.append(view[cursor:])
    return b"".join(parts)
