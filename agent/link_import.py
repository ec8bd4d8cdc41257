"""Saving a badge from a link: what to fetch, and how to find the badge behind it.

Rules:
- A link is fetched through the safe fetcher like any URL a badge names (scheme and address
  checks, limits).
- An image answer is unbaked. A Badgr-style image URL (``…/public/assertions/<id>/image``) whose
  image carries no badge data is the hosted assertion at the URL without ``/image``; the image
  is kept and baked with the assertion.
- A JSON answer is the payload. An HTML answer is followed once to its
  ``<link rel="alternate" type="application/ld+json|application/json">``.
- When the badge came without an image, its badge image is fetched afterwards (best effort) and
  the payload baked into it, so that export always yields a baked image.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from agent.bakery import bake, classify_payload, unbake
from agent.bakery.model import Unbaked
from agent.errors import BadgekeeperError, ErrorCode, FetchError
from agent.fetch.model import MAX_IMAGE_BYTES, Fetcher, FetchResponse
from agent.verify.documents import require_fetchable

log = logging.getLogger(__name__)

ACCEPT_BADGE = (
    "application/ld+json, application/json;q=0.9, image/png;q=0.8, image/svg+xml;q=0.8, "
    "text/html;q=0.5"
)
ACCEPT_IMAGE = "image/png, image/svg+xml;q=0.9"
_IMAGE_TYPES = ("image/png", "image/svg+xml")
_BADGR_IMAGE = re.compile(r"^(?P<assertion>.*/public/assertions/[^/]+)/image/?$")


@dataclass(frozen=True)
class LinkedBadge:
    """What a link led to: the payload, and the image bytes when there are some."""

    unbaked: Unbaked
    image: bytes | None


class _AlternateLinkFinder(HTMLParser):
    """Finds the first ``<link rel="alternate">`` to JSON in an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link" or self.href is not None:
            return
        values = {name: (value or "") for name, value in attrs}
        rels = values.get("rel", "").lower().split()
        media = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and media in ("application/ld+json", "application/json"):
            self.href = values.get("href") or None


def alternate_json_link(html: str, base_url: str) -> str | None:
    """The absolute URL of the page's alternate JSON representation, if it names one."""
    finder = _AlternateLinkFinder()
    finder.feed(html[:500_000])
    return urljoin(base_url, finder.href) if finder.href else None


def badgr_assertion_url(url: str) -> str | None:
    """``…/public/assertions/<id>/image`` → ``…/public/assertions/<id>`` (else None)."""
    parts = urlsplit(url)
    match = _BADGR_IMAGE.match(parts.path)
    if match is None:
        return None
    assertion_path: str = match.group("assertion")
    return urlunsplit((parts.scheme, parts.netloc, assertion_path, "", ""))


def _payload_from_json(response: FetchResponse) -> Unbaked:
    try:
        text = response.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadgekeeperError(ErrorCode.TEXT_ENCODING) from exc
    kind = classify_payload(text.strip())
    return Unbaked(payload=text.strip(), kind=kind, container="text", keyword="url")


async def fetch_linked_badge(fetcher: Fetcher, url: str) -> LinkedBadge:
    """Follow a link to the badge it names (see the module rules)."""
    require_fetchable(url)
    response = await fetcher.get(url, accept=ACCEPT_BADGE, max_bytes=MAX_IMAGE_BYTES)
    _raise_for_status(response)
    if response.content_type in _IMAGE_TYPES or response.body[:8] == b"\x89PNG\r\n\x1a\n":
        found = unbake(response.body)
        if found is not None:
            return LinkedBadge(found, response.body)
        assertion_url = badgr_assertion_url(response.url) or badgr_assertion_url(url)
        if assertion_url is None:
            raise BadgekeeperError(ErrorCode.NO_BADGE_DATA)
        linked = await fetch_linked_badge(fetcher, assertion_url)
        return LinkedBadge(linked.unbaked, linked.image or response.body)
    if response.content_type in ("text/html", "application/xhtml+xml"):
        alternate = alternate_json_link(response.body.decode("utf-8", "replace"), response.url)
        if alternate is None or alternate == url:
            raise FetchError(
                ErrorCode.HTML_NOT_JSON,
                f"{url} returns a web page that names no badge data. Save the badge image, or "
                "the assertion's JSON link.",
            )
        require_fetchable(alternate)
        response = await fetcher.get(alternate, max_bytes=MAX_IMAGE_BYTES)
        _raise_for_status(response)
    return LinkedBadge(_payload_from_json(response), None)


def _raise_for_status(response: FetchResponse) -> None:
    if response.status == 404:
        raise FetchError(ErrorCode.HTTP_NOT_FOUND, f"{response.url} does not exist (404).")
    if response.status == 410:
        raise FetchError(
            ErrorCode.HTTP_NOT_FOUND,
            f"{response.url} is gone (410): the issuer has withdrawn this badge.",
        )
    if not 200 <= response.status < 300:
        raise FetchError(
            ErrorCode.HTTP_ERROR,
            f"{response.url} answered {response.status}. Try again later.",
        )


async def baked_badge_image(fetcher: Fetcher, image_url: str | None, payload: str) -> bytes | None:
    """Fetch the badge's image and bake the payload into it; None when that is not possible."""
    if not image_url or not image_url.lower().startswith(("http://", "https://")):
        return None
    try:
        response = await fetcher.get(image_url, accept=ACCEPT_IMAGE, max_bytes=MAX_IMAGE_BYTES)
        if response.status != 200:
            return None
        return bake(response.body, payload)
    except BadgekeeperError as exc:
        log.info("could not bake the badge image of %s: %s", urlsplit(image_url).hostname, exc)
        return None
