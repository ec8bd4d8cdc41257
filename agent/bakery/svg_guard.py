"""A streaming, namespace-aware expat parser that refuses what makes XML dangerous.

Rules (what defusedxml does, for a parser we feed in chunks):
- The W3C SVG DOCTYPE without an internal subset is allowed (its DTD is never read); any other
  DOCTYPE, entity declaration, external entity reference or skipped entity is
  SVG_FORBIDDEN_MARKUP, raised from the handler the moment expat meets it, so an internal subset
  (XXE, billion laughs) is never even read. Parameter entities are never parsed.
- Names arrive as ``namespace-uri + " " + local-name`` (a space cannot occur in a URI), so the
  badge element is recognised by its namespace whatever prefix the file uses.
- Data is fed from a memoryview in slices (1 MiB unless the caller expects to stop early): no
  copies of the file, and few enough slices that expat 2.5 (no reparse deferral) does not rescan
  a long token once per slice.
"""

from __future__ import annotations

from typing import NoReturn
from xml.parsers import expat

from agent.errors import BakeryError, ErrorCode

NAMESPACE_SEPARATOR = " "
OB2_NAMESPACE = "http://openbadges.org"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"

# Expanded name -> the element's name as the specs write it. The ``spec/`` URI is not what the
# OB 3.0 baking section says, but it is the one the rest of OB 3.0 uses; issuers mix them up.
BADGE_ELEMENTS = {
    f"{OB2_NAMESPACE} assertion": "openbadges:assertion",
    f"{OB3_NAMESPACE} credential": "openbadges:credential",
    "https://purl.imsglobal.org/spec/ob/v3p0 credential": "openbadges:credential",
}
SVG_ROOTS = frozenset({f"{SVG_NAMESPACE} svg", "svg"})
FEED_SLICE = 1 << 20
# Real images nest a few dozen levels; expat spends ~120 bytes per open element, so a file of
# nothing but ``<g>`` would otherwise cost forty times its size.
MAX_DEPTH = 10_000
# What pyexpat's handler for encodings expat lacks raises (found by fuzzing): LookupError for a
# codec Python does not know either, ValueError for a multi-byte one (Shift_JIS, GBK, UTF-7…),
# UnicodeError (a ValueError) for a codec that cannot decode a byte table (idna, undefined).
_ENCODING_ERRORS = (LookupError, ValueError)


def guarded_parser() -> expat.XMLParserType:
    """A fresh parser with every DTD and entity door shut."""
    parser = expat.ParserCreate(namespace_separator=NAMESPACE_SEPARATOR)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity_declaration
    parser.UnparsedEntityDeclHandler = _refuse_unparsed_entity
    parser.ExternalEntityRefHandler = _refuse_external_reference
    parser.SkippedEntityHandler = _refuse_skipped_entity
    parser.buffer_text = True
    return parser


def feed(
    parser: expat.XMLParserType,
    view: memoryview,
    start: int,
    stop: int,
    *,
    slice_size: int = FEED_SLICE,
) -> None:
    """Feed ``view[start:stop]`` without finishing the document; expat errors propagate."""
    try:
        for pos in range(start, stop, slice_size):
            parser.Parse(view[pos : min(pos + slice_size, stop)], False)
    except _ENCODING_ERRORS as exc:  # the encoding named in the XML declaration
        raise unknown_encoding() from exc


def finish(parser: expat.XMLParserType) -> None:
    """Tell expat the document ended; an unclosed element is an ExpatError."""
    try:
        parser.Parse(b"", True)
    except _ENCODING_ERRORS as exc:
        raise unknown_encoding() from exc


def unknown_encoding() -> BakeryError:
    """The error for an XML declaration naming an encoding expat cannot read (found by fuzz)."""
    return BakeryError(
        ErrorCode.IMAGE_MALFORMED,
        "The SVG declares a character encoding Badgekeeper cannot read (one that does not exist, "
        "or a multi-byte one such as Shift_JIS or UTF-7). Ask the issuer for a UTF-8 SVG or a PNG.",
    )


def malformed(exc: expat.ExpatError) -> BakeryError:
    """The error for XML that is not well-formed."""
    where = f"line {exc.lineno}, column {exc.offset}"
    reason = expat.ErrorString(exc.code) if exc.code is not None else "not well-formed"
    return BakeryError(
        ErrorCode.IMAGE_MALFORMED,
        f"The SVG is damaged ({reason} at {where}). Download the badge again from the issuer's "
        "e-mail or page.",
    )


def not_svg() -> BakeryError:
    """The error for well-formed XML whose root is not ``<svg>``."""
    return BakeryError(
        ErrorCode.IMAGE_UNSUPPORTED,
        "This XML file is not an SVG image (its root element is not <svg>). Badges are baked "
        "into PNG or SVG images; ask the issuer for one of those.",
    )


def too_deep() -> BakeryError:
    """The error for elements nested deeper than MAX_DEPTH."""
    return BakeryError(
        ErrorCode.IMAGE_MALFORMED,
        f"The SVG nests elements more than {MAX_DEPTH:,} deep, which no real image does; "
        "Badgekeeper stopped reading it. Download the badge again from the issuer.",
    )


def _forbidden(what: str) -> NoReturn:
    raise BakeryError(
        ErrorCode.SVG_FORBIDDEN_MARKUP,
        f"The SVG contains {what}, which Badgekeeper never processes. Ask the issuer for a plain "
        "SVG or a PNG badge.",
    )


# The DOCTYPE that Illustrator, Inkscape and older tools write. It is allowed without an internal
# subset: the external DTD is never read (expat does not fetch), and an entity it would define
# is a skipped entity, which is refused below.
W3C_SVG_PUBLIC_IDS = frozenset(
    {
        "-//W3C//DTD SVG 1.0//EN",
        "-//W3C//DTD SVG 1.1//EN",
        "-//W3C//DTD SVG 1.1 Basic//EN",
        "-//W3C//DTD SVG 1.1 Tiny//EN",
        "-//W3C//DTD SVG 20010904//EN",
    }
)


def _refuse_doctype(
    name: str, system_id: str | None, public_id: str | None, has_internal_subset: int
) -> None:
    if not has_internal_subset and public_id in W3C_SVG_PUBLIC_IDS:
        return
    _forbidden("a document type declaration (DOCTYPE)")


def _refuse_entity_declaration(
    name: str,
    is_parameter_entity: int,
    value: str | None,
    base: str | None,
    system_id: str | None,
    public_id: str | None,
    notation_name: str | None,
) -> None:
    _forbidden("an entity declaration")


def _refuse_unparsed_entity(
    name: str, base: str | None, system_id: str, public_id: str | None, notation_name: str
) -> None:
    _forbidden("an entity declaration")


def _refuse_external_reference(
    context: str, base: str | None, system_id: str | None, public_id: str | None
) -> int:
    _forbidden("a reference to an external entity")


def _refuse_skipped_entity(name: str, is_parameter_entity: int) -> None:
    _forbidden("a reference to an undeclared entity")
