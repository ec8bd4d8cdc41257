"""Reading JSON documents, embedded or fetched, with the limits every badge document gets.

Rules:
- Only ``http`` and ``https`` ids are ever fetched; anything else is SCHEME_REFUSED before the
  fetcher is asked.
- A body over 1 MB, nesting deeper than 64 levels, invalid UTF-8 or invalid JSON each end in a
  typed error, never a traceback.
- An HTML answer where JSON was expected is HTML_NOT_JSON, not a parse failure.
- 404 is HTTP_NOT_FOUND and other non-2xx are HTTP_ERROR; callers that give a status its own
  meaning (410 Gone = revoked) look at the response before calling :func:`json_from_response`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from agent.errors import BadgekeeperError, ErrorCode, FetchError
from agent.fetch.model import ACCEPT_JSON_LD, MAX_JSON_BYTES, Fetcher, FetchResponse

MAX_DEPTH = 64
_JSON_TYPES = ("application/json", "application/ld+json")


def nesting_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when brackets nest deeper than ``limit`` (strings are skipped); linear, no recursion."""
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse_json_text(text: str, *, what: str = "badge data", max_chars: int = MAX_JSON_BYTES) -> Any:
    """Parse JSON text under the size and depth limits."""
    if len(text) > max_chars:
        raise BadgekeeperError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"The {what} is over {max_chars // 1000} kB; real badge "
            "data is far smaller, so this is probably not a badge.",
        )
    if nesting_depth_exceeds(text):
        raise BadgekeeperError(
            ErrorCode.JSON_MALFORMED,
            f"The {what} nests deeper than {MAX_DEPTH} levels; it is not badge data.",
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadgekeeperError(
            ErrorCode.JSON_MALFORMED,
            f"The {what} is not valid JSON ({exc}). Ask the issuer to re-issue the badge.",
        ) from exc


def parse_json_object(text: str, *, what: str = "badge data") -> dict[str, Any]:
    """Parse JSON text that must be an object."""
    value = parse_json_text(text, what=what)
    if not isinstance(value, dict):
        raise BadgekeeperError(
            ErrorCode.JSON_MALFORMED, f"The {what} is JSON but not an object; it is not a badge."
        )
    return value


def require_fetchable(url: str) -> str:
    """Refuse ids that are not http(s) URLs before any fetch is attempted."""
    scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
    if scheme not in ("http", "https"):
        shown = url if isinstance(url, str) and len(url) < 200 else "that address"
        raise FetchError(
            ErrorCode.SCHEME_REFUSED,
            f"The badge points at {shown!s}, which is not an http or https link; Badgekeeper "
            "never follows such links.",
        )
    return url


def json_from_response(response: FetchResponse, *, what: str) -> dict[str, Any]:
    """Turn a fetched response into a JSON object, or the typed error that explains why not."""
    if response.status == 404:
        raise FetchError(
            ErrorCode.HTTP_NOT_FOUND,
            f"The {what} at {response.url} does not exist (404). Ask "
            "the issuer whether the badge moved.",
        )
    if not 200 <= response.status < 300:
        raise FetchError(
            ErrorCode.HTTP_ERROR,
            f"The server of the {what} at {response.url} answered "
            f"{response.status}. Try again later; if it persists, tell the issuer.",
        )
    if response.content_type in ("text/html", "application/xhtml+xml") or (
        response.content_type not in _JSON_TYPES and response.body.lstrip()[:1] == b"<"
    ):
        raise FetchError(
            ErrorCode.HTML_NOT_JSON,
            f"{response.url} returns a web page, not badge data. Use "
            "the badge image or the assertion's JSON link.",
        )
    try:
        text = response.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadgekeeperError(
            ErrorCode.TEXT_ENCODING, f"The {what} at {response.url} is not UTF-8 text."
        ) from exc
    return parse_json_object(text, what=what)


async def fetch_json(
    fetcher: Fetcher, url: str, *, what: str
) -> tuple[dict[str, Any], FetchResponse]:
    """Fetch a JSON-LD node by its id, returning the object and the response it came in."""
    require_fetchable(url)
    response = await fetcher.get(url, accept=ACCEPT_JSON_LD, max_bytes=MAX_JSON_BYTES)
    return json_from_response(response, what=what), response
