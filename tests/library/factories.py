"""Builders for library tests: verdicts built directly (no network), badge images, a clock."""

from __future__ import annotations

import hashlib
import io
import threading
from datetime import datetime, timedelta, timezone

from PIL import Image

from agent.errors import ErrorCode
from agent.library import SourceInfo
from agent.verify.result import BadgeSummary, RecipientResult, Verdict

BASE_TIME = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class TickingClock:
    """A clock that moves one millisecond per reading, so save order is deterministic."""

    def __init__(self, start: datetime = BASE_TIME) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self._now += timedelta(milliseconds=1)
            return self._now


def make_verdict(
    assertion_id: str | None = "https://issuer.example/assertions/1",
    *,
    name: str | None = "Python Basics",
    issuer_name: str | None = "Example University",
    issuer_id: str | None = "https://issuer.example/issuer",
    issued_on: str | None = "2026-01-15T00:00:00Z",
    checked_at: datetime = BASE_TIME,
    errors: tuple[ErrorCode, ...] = (),
    recipient: RecipientResult | None = None,
    description: str | None = "Writes small Python programs.",
) -> Verdict:
    """A verdict as the verifier would report it for a hosted OB 2.0 badge."""
    verdict = Verdict(
        source="badge.png",
        checked_at=checked_at,
        spec="ob2",
        format="hosted",
        payload_kind="assertion-json",
        recipient=recipient or RecipientResult(checked=True, matched=True, type="email"),
        badge=BadgeSummary(
            id=assertion_id,
            name=name,
            description=description,
            criteria="https://issuer.example/criteria",
            image="https://issuer.example/badge.png",
            badge_class_id="https://issuer.example/badges/python",
            issuer_id=issuer_id,
            issuer_name=issuer_name,
            issuer_url="https://issuer.example",
            issued_on=issued_on,
            expires=None,
        ),
    )
    for code in errors:
        verdict.fail(code)
    return verdict


def fake_png(seed: str, size: int = 2048) -> bytes:
    """Bytes the library stores as a PNG (signature plus unique content); not decodable."""
    block = hashlib.sha256(seed.encode()).digest()
    return PNG_SIGNATURE + (block * (size // len(block) + 1))[:size]


def real_png(width: int = 200, height: int = 200, color: str = "teal") -> bytes:
    """A decodable PNG made by Pillow."""
    out = io.BytesIO()
    Image.new("RGBA", (width, height), color).save(out, format="PNG")
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
    b'xmlns:openbadges="https://openbadges.org" width="10" height="10">'
    b'<openbadges:assertion verify="https://issuer.example/assertions/svg"/></svg>'
)


def source(subject: str = "Your new badge", sender: str = "badges@issuer.example") -> SourceInfo:
    return SourceInfo(
        page_url="https://mail.google.com/mail/u/0/#inbox/abc",
        image_url="https://issuer.example/baked/1.png",
        mail_subject=subject,
        mail_sender=sender,
        mail_date="2026-05-31T09:00:00Z",
    )


def payload_for(assertion_id: str | None) -> str:
    return '{"type": "Assertion", "id": "%s"}' % (assertion_id or "")
