"""What sharing needs to know about a badge, and the one public address that is shared.

Rules:
- Facts come from a ``BadgeRecord`` or from its JSON (``list --json``) shape; a value of the
  wrong type in a dict is treated as absent, never trusted.
- Dates are kept as the issuer wrote them where the saved payload still says so: the library
  stores them normalised to UTC, and a badge issued ``2024-01-01T00:30:00+02:00`` must show
  January 2024, not December 2023. The written value is used only when it is the same instant
  as the stored one, so it is always the date the verifier read.
- The shared address is, in order: the badge's public page at a backpack (a ``done`` upload
  with a ``public_url``, the newest first), the hosted OB 2.0 assertion (its id, when http(s)),
  the OB 3.0 credential's id (when http(s)). Nothing else is public: no address is
  ``NO_PUBLIC_URL``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from agent.errors import BadgekeeperError, ErrorCode
from agent.library.models import BadgeRecord
from agent.share.errors import ShareError
from agent.verify.dates import parse_badge_date

MAX_PAYLOAD_CHARS = 1024 * 1024  # larger payloads keep the stored dates; real ones are KBs
MAX_URL_CHARS = 8192
_ISSUED_KEYS = {"ob2": ("issuedOn", "issued_on"), "ob3": ("validFrom", "issuanceDate")}
_EXPIRES_KEYS = {"ob2": ("expires",), "ob3": ("validUntil", "expirationDate")}
_PAYLOAD_SPEC = {
    "assertion-json": "ob2",
    "jws": "ob2",
    "credential-json": "ob3",
    "vc-jwt": "ob3",
}

BadgeLike = BadgeRecord | Mapping[str, Any]


@dataclass(frozen=True)
class BackpackPage:
    """A badge's public page at one backpack."""

    backpack: str
    url: str
    updated_at: str


@dataclass(frozen=True)
class ShareFacts:
    """The facts a share link carries; every one may be absent."""

    name: str | None = None
    issuer_name: str | None = None
    issued_on: str | None = None  # as written by the issuer where known, else as stored
    expires: str | None = None
    credential_id: str | None = None  # the OB 2.0 assertion id or OB 3.0 credential id
    spec: str | None = None
    format: str | None = None
    status: str | None = None
    backpack_pages: tuple[BackpackPage, ...] = ()

    @classmethod
    def from_record(cls, record: BadgeRecord) -> ShareFacts:
        issued, expires = written_dates(record.payload, record.payload_kind)
        return cls(
            name=_text(record.name),
            issuer_name=_text(record.issuer_name),
            issued_on=_same_instant(issued, record.issued_on),
            expires=_same_instant(expires, record.expires),
            credential_id=_text(record.assertion_id),
            spec=record.spec,
            format=record.format,
            status=record.status,
            backpack_pages=_backpack_pages(record),
        )

    @classmethod
    def from_json(cls, badge: Mapping[str, Any]) -> ShareFacts:
        """From the JSON shape of a badge (``BadgeRecord.to_json()``, ``list --json``)."""
        issuer = badge.get("issuer")
        uploads = badge.get("uploads")
        pages = []
        for upload in uploads if isinstance(uploads, list) else []:
            if not isinstance(upload, Mapping) or upload.get("state") != "done":
                continue
            url = _text(upload.get("public_url"))
            if url is not None:
                backpack = _text(upload.get("backpack")) or ""
                pages.append(BackpackPage(backpack, url, _text(upload.get("updated_at")) or ""))
        return cls(
            name=_text(badge.get("name")),
            issuer_name=_text(issuer.get("name")) if isinstance(issuer, Mapping) else None,
            issued_on=_text(badge.get("issued_on")),
            expires=_text(badge.get("expires")),
            credential_id=_text(badge.get("assertion_id")),
            spec=_text(badge.get("spec")),
            format=_text(badge.get("format")),
            status=_text(badge.get("status")),
            backpack_pages=tuple(pages),
        )


def facts_of(badge: BadgeLike) -> ShareFacts:
    """Share facts from a record or its JSON shape."""
    if isinstance(badge, BadgeRecord):
        return ShareFacts.from_record(badge)
    return ShareFacts.from_json(badge)


def public_url(facts: ShareFacts) -> str:
    """The address to share (see the rules); ``NO_PUBLIC_URL`` when the badge has none."""
    pages = sorted(
        (page for page in facts.backpack_pages if is_public_url(page.url)),
        key=lambda page: (page.updated_at, page.backpack),
        reverse=True,
    )
    if pages:
        return pages[0].url
    hosted = facts.spec == "ob2" and facts.format == "hosted"
    issuer_copy = facts.credential_id
    if (hosted or facts.spec == "ob3") and issuer_copy is not None and is_public_url(issuer_copy):
        return issuer_copy
    raise ShareError(ErrorCode.NO_PUBLIC_URL)


def is_public_url(url: str | None) -> bool:
    """An absolute http(s) address with a host, and nothing a link or a page could misread."""
    if not url or len(url) > MAX_URL_CHARS or any(ord(c) <= 0x20 or c == "\x7f" for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed IPv6 host
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def written_dates(payload: str, payload_kind: str) -> tuple[str | None, str | None]:
    """The issue and expiry dates exactly as the embedded payload writes them, where it does."""
    spec = _PAYLOAD_SPEC.get(payload_kind)
    if spec is None or len(payload) > MAX_PAYLOAD_CHARS:
        return None, None
    document = _payload_document(payload, payload_kind)
    if document is None:
        return None, None
    if spec == "ob3" and isinstance(document.get("vc"), dict):
        document = document["vc"]  # a VC 1.1 JWT carries the credential in its ``vc`` claim
    return _first_text(document, _ISSUED_KEYS[spec]), _first_text(document, _EXPIRES_KEYS[spec])


def _backpack_pages(record: BadgeRecord) -> tuple[BackpackPage, ...]:
    return tuple(
        BackpackPage(upload.backpack, upload.public_url, upload.updated_at)
        for upload in record.uploads
        if upload.state == "done" and upload.public_url
    )


def _payload_document(payload: str, payload_kind: str) -> dict[str, Any] | None:
    text = payload.strip()
    try:
        if payload_kind in ("jws", "vc-jwt"):
            parts = text.split(".")
            if len(parts) != 3:
                return None
            body = parts[1] + "=" * (-len(parts[1]) % 4)
            text = base64.urlsafe_b64decode(body.encode("ascii")).decode("utf-8")
        document = json.loads(text)
    except (ValueError, RecursionError, binascii.Error):  # UnicodeError is a ValueError
        return None
    return document if isinstance(document, dict) else None


def _first_text(document: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = document.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _same_instant(written: str | None, stored: str | None) -> str | None:
    if written is None or stored is None:
        return stored
    try:
        same = parse_badge_date(written, field="date") == parse_badge_date(stored, field="date")
    except (BadgekeeperError, ValueError):  # ValueError: parse_badge_date on > 4300 digits
        return stored
    return written if same else stored


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    # A JSON string may hold a lone surrogate, which no URL or page can encode.
    stripped = value.encode("utf-8", "replace").decode("utf-8").strip()
    return stripped or None
