"""What to send each kind of backpack for one saved badge: pure functions, no I/O.

- Badge Connect ``POST /assertions``: ``{"signedAssertion": JWS}`` for a signed badge, else
  ``{"assertion": {...}}`` — the assertion as saved, or ``{id, type}`` for a hosted link (the
  backpack fetches and verifies it by its id).
- OB 3.0 ``POST /credentials``: a VC-JWT as ``text/plain``, a JSON credential as
  ``application/json``.
- Badgr ``POST /v2/backpack/import``: ``url`` for a hosted assertion, else ``image`` (the baked
  image as a data URI, never multipart), else ``assertion`` (the JSON or the JWS as text).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from agent.backpack.config import KIND_LABELS, BackpackConfig
from agent.backpack.errors import BackpackError
from agent.errors import ErrorCode
from agent.library import BadgeRecord

MAX_IMAGE_URI_BYTES = 4 * 1024 * 1024
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
SPEC_LABELS = {"ob2": "Open Badges 2.0", "ob3": "Open Badges 3.0"}


@dataclass(frozen=True)
class UploadItem:
    """One badge as an upload needs it."""

    badge_id: str
    spec: str | None
    payload_kind: str
    payload: str = field(repr=False)
    assertion_id: str | None
    name: str | None
    matched_address: str | None  # which of the user's addresses the badge was issued to
    image: bytes | None = field(default=None, repr=False)
    media_type: str | None = None


def upload_item(record: BadgeRecord, image: tuple[bytes, str] | None) -> UploadItem:
    matched = record.recipient.get("matched_address")
    return UploadItem(
        badge_id=record.id,
        spec=record.spec,
        payload_kind=record.payload_kind,
        payload=record.payload,
        assertion_id=record.assertion_id,
        name=record.name,
        matched_address=matched if isinstance(matched, str) else None,
        image=image[0] if image else None,
        media_type=image[1] if image else None,
    )


def check_accepts(config: BackpackConfig, item: UploadItem) -> None:
    """Refuse, before any request, a badge this kind of backpack does not take."""
    if config.accepts(item.spec):
        return
    spec = SPEC_LABELS.get(item.spec or "", "an unknown version of Open Badges")
    raise BackpackError(
        ErrorCode.BACKPACK_UNSUPPORTED_BADGE,
        f"The backpack {config.name!r} ({KIND_LABELS[config.kind]}) does not take {spec} badges "
        f"such as {item.name or item.badge_id!r}. Upload it to a backpack of another kind.",
    )


def _assertion_json(item: UploadItem) -> dict[str, Any]:
    try:
        value = json.loads(item.payload)
    except ValueError as exc:
        raise _unreadable(item) from exc
    if not isinstance(value, dict):
        raise _unreadable(item)
    return value


def _unreadable(item: UploadItem) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_REJECTED,
        f"The saved data of {item.name or item.badge_id!r} cannot be sent to a backpack; save the "
        "badge again from the issuer's e-mail.",
    )


def badge_connect_body(item: UploadItem) -> dict[str, Any]:
    """The Assertion Payload of ``POST /assertions``."""
    if item.payload_kind == "jws":
        return {"signedAssertion": item.payload.strip()}
    if item.payload_kind == "url":
        return {
            "assertion": {"@context": OB2_CONTEXT, "id": item.payload.strip(), "type": "Assertion"}
        }
    if item.payload_kind == "assertion-json":
        return {"assertion": _assertion_json(item)}
    raise _unreadable(item)


def ob3_body(item: UploadItem) -> tuple[str, str]:
    """``(content type, body)`` of ``POST /credentials``."""
    if item.payload_kind == "vc-jwt":
        return "text/plain", item.payload.strip()
    if item.payload_kind == "credential-json":
        _assertion_json(item)  # refuses text that is not a JSON object before sending it
        return "application/json", item.payload
    raise _unreadable(item)


def _hosted_url(item: UploadItem) -> str | None:
    if item.payload_kind == "url":
        return item.payload.strip()
    if item.payload_kind != "assertion-json":
        return None
    assertion = _assertion_json(item)
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else "hosted"
    identifier = assertion.get("id")
    hosted = isinstance(kind, str) and kind.lower() in ("hosted", "hostedbadge")
    if hosted and isinstance(identifier, str) and identifier.startswith(("https://", "http://")):
        return identifier
    return None


def badgr_body(item: UploadItem) -> dict[str, str]:
    """The JSON body of Badgr's ``POST /v2/backpack/import``."""
    hosted = _hosted_url(item)
    if hosted is not None:
        return {"url": hosted}
    if item.image is not None and item.media_type and len(item.image) <= MAX_IMAGE_URI_BYTES:
        encoded = base64.b64encode(item.image).decode("ascii")
        return {"image": f"data:{item.media_type};base64,{encoded}"}
    if item.payload_kind in ("jws", "assertion-json"):
        return {"assertion": item.payload.strip()}
    raise _unreadable(item)
