"""BadgeKeeper: save → verify → library, the flow behind the agent's methods and the CLI.

Rules:
- Every saved badge is verified first, with the user's addresses from the library's settings;
  a badge that does not verify is still saved, with its verdict (the popup explains it).
- ``save_*`` returns only once the library write is durable (the library fsyncs the file
  before the row and commits with synchronous=FULL): the caller may acknowledge then.
- Events go to the sink after the write: ``badge.saved``, ``badge.verified``, ``badge.deleted``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from agent.bakery import bake, read_source
from agent.bakery.model import PayloadKind, Unbaked
from agent.errors import BadgekeeperError, ErrorCode
from agent.fetch.model import Fetcher
from agent.library import AsyncLibrary, BadgeRecord, SourceInfo
from agent.link_import import baked_badge_image, fetch_linked_badge
from agent.verify import Verdict, VerifyContext, utc_now, verify_unbaked
from agent.verify.context import Clock

log = logging.getLogger(__name__)

VERIFY_DEADLINE_SECONDS = 30.0
_MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


class EventSink(Protocol):
    """Where the keeper announces what changed (the agent fans these out to clients)."""

    def publish(self, event: str, params: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class SaveOutcome:
    """A badge as stored after a save or a re-verification, and the verdict it got."""

    badge: BadgeRecord
    created: bool
    verdict: Verdict

    def to_json(self) -> dict[str, Any]:
        return {
            "badge": self.badge.to_json(),
            "created": self.created,
            "verdict": self.verdict.to_json(),
        }


def _media_type_of(data: bytes) -> str | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    head = data[:1024].lstrip()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"\xef\xbb\xbf")):
        return "image/svg+xml"
    return None


class BadgeKeeper:
    """Saves, re-verifies and deletes badges in one library."""

    def __init__(
        self,
        library: AsyncLibrary,
        fetcher: Fetcher,
        *,
        events: EventSink | None = None,
        clock: Clock = utc_now,
        deadline: float = VERIFY_DEADLINE_SECONDS,
    ) -> None:
        self.library = library
        self.fetcher = fetcher
        self.events = events
        self.clock = clock
        self.deadline = deadline

    def _publish(self, event: str, params: dict[str, Any]) -> None:
        if self.events is not None:
            self.events.publish(event, params)

    async def _verify(self, unbaked: Unbaked, *, source: str) -> Verdict:
        ctx = VerifyContext(
            fetcher=self.fetcher, clock=self.clock, emails=tuple(await self.library.emails())
        )
        try:
            return await asyncio.wait_for(
                verify_unbaked(unbaked, ctx, source=source), self.deadline
            )
        except asyncio.TimeoutError:
            verdict = Verdict(source=source, checked_at=self.clock())
            verdict.fail(ErrorCode.DEADLINE_EXCEEDED)
            return verdict

    async def inspect(self, data: bytes) -> dict[str, Any]:
        """Is this a badge? Unbaking only: no network, no library."""
        try:
            found = read_source(data)
        except BadgekeeperError as exc:
            return {
                "badge": False,
                "kind": None,
                "spec": None,
                "container": None,
                "error": {"code": exc.code.name, "message": exc.message},
            }
        return {
            "badge": True,
            "kind": found.kind.value,
            "spec": found.spec_hint,
            "container": found.container,
            "error": None,
        }

    async def save_bytes(self, data: bytes, source: SourceInfo) -> SaveOutcome:
        """Save the badge in these bytes (a baked image, JSON or a token file)."""
        unbaked = read_source(data)
        image = data if unbaked.container in _MEDIA_TYPES else None
        label = source.image_url or source.page_url or "saved image"
        verdict = await self._verify(unbaked, source=label)
        if image is None:
            image = await baked_badge_image(self.fetcher, verdict.badge.image, unbaked.payload)
        return await self._store(unbaked, verdict, image, source)

    async def save_url(self, url: str, source: SourceInfo) -> SaveOutcome:
        """Save the badge a link leads to (an image, a hosted assertion, a Badgr image URL)."""
        linked = await fetch_linked_badge(self.fetcher, url)
        verdict = await self._verify(linked.unbaked, source=url)
        image = linked.image
        if image is not None and linked.unbaked.container == "text":
            image = _bake_quietly(image, linked.unbaked.payload)
        if image is None:
            image = await baked_badge_image(
                self.fetcher, verdict.badge.image, linked.unbaked.payload
            )
        if source.image_url is None and source.page_url is None:
            source = dataclasses.replace(source, page_url=url)
        return await self._store(linked.unbaked, verdict, image, source)

    async def _store(
        self, unbaked: Unbaked, verdict: Verdict, image: bytes | None, source: SourceInfo
    ) -> SaveOutcome:
        result = await self.library.save(
            verdict=verdict,
            payload=unbaked.payload,
            payload_kind=unbaked.kind.value,
            image=image,
            media_type=_media_type_of(image) if image is not None else None,
            source=source,
        )
        log.info("saved badge %s (%s, created=%s)", result.badge.id, verdict.status, result.created)
        self._publish(
            "badge.saved",
            {"badge": result.badge.to_json(), "created": result.created, "status": verdict.status},
        )
        return SaveOutcome(result.badge, result.created, verdict)

    async def reverify(self, badge_id: str) -> SaveOutcome:
        """Verify a saved badge again and record the new verdict."""
        record = await self.library.get(badge_id)
        unbaked = Unbaked(
            payload=record.payload,
            kind=PayloadKind(record.payload_kind),
            container="text",
            keyword="library",
        )
        verdict = await self._verify(unbaked, source=record.id)
        updated = await self.library.record_verification(record.id, verdict)
        self._publish(
            "badge.verified",
            {"badge": updated.to_json(), "status": verdict.status, "previous": record.status},
        )
        return SaveOutcome(updated, False, verdict)

    async def delete(self, badge_id: str) -> BadgeRecord:
        """Delete a badge (its file goes when no other badge uses it)."""
        record = await self.library.delete(badge_id)
        self._publish("badge.deleted", {"id": record.id})
        return record


def _bake_quietly(image: bytes, payload: str) -> bytes | None:
    try:
        return bake(image, payload)
    except BadgekeeperError:
        return None
