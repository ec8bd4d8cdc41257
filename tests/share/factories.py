"""Badge records built directly, for the pure share builders (no library, no network)."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

from agent.library.models import BadgeRecord

ASSERTION_ID = "https://issuer.example/assertions/42"


def record(**overrides: Any) -> BadgeRecord:
    """A valid hosted OB 2.0 badge as the library returns it; any field can be overridden."""
    base = BadgeRecord(
        id="0123456789ab",
        assertion_id=ASSERTION_ID,
        spec="ob2",
        format="hosted",
        payload=json.dumps({"id": ASSERTION_ID, "issuedOn": "2024-03-05T10:00:00Z"}),
        payload_kind="assertion-json",
        sha256=None,
        media_type=None,
        name="Teamwork",
        description="Works well with others.",
        criteria=None,
        image_url=None,
        issuer_id="https://issuer.example/issuer",
        issuer_name="Example Academy",
        issuer_url="https://issuer.example/",
        badge_class_id="https://issuer.example/badges/teamwork",
        issued_on="2024-03-05T10:00:00Z",
        expires=None,
        status="valid",
        checked_at="2024-06-01T12:00:00Z",
        errors=(),
        warnings=(),
        recipient={"checked": True, "matched": True},
        saved_at="2024-06-01T12:00:00Z",
        updated_at="2024-06-01T12:00:00Z",
    )
    return replace(base, **overrides)


def jws(claims: dict[str, Any]) -> str:
    """A compact JWS/JWT carrying ``claims`` (the signature is not checked by share code)."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"
