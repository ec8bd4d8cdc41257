"""What sync remembers about a badge beyond its verdict, kept in the library's settings.

Rules:
- One setting per badge, ``sync.note:<badge id>``, a small JSON object: ``unreachable`` (the
  last attempt that could not reach the issuer: ``at``, ``code``, ``message``) and
  ``expiring_announced`` (the expiry date a ``badge.expiring`` event was sent for, so it is sent
  once per date). No schema change: the library already stores bounded JSON settings.
- A note that does not read back as expected reads as empty; notes of deleted badges are
  dropped by the next sync run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.library import AsyncLibrary
from agent.library.saving import iso
from agent.sync.cadence import parse_time

PREFIX = "sync.note:"


@dataclass(frozen=True)
class Unreachable:
    """A check that could not reach the issuer: the badge kept its last verdict."""

    at: datetime
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"at": iso(self.at), "code": self.code, "message": self.message}


@dataclass(frozen=True)
class SyncNote:
    unreachable: Unreachable | None = None
    expiring_announced: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "unreachable": self.unreachable.to_json() if self.unreachable else None,
            "expiring_announced": self.expiring_announced,
        }

    @property
    def empty(self) -> bool:
        return self.unreachable is None and self.expiring_announced is None


def note_from_json(value: Any) -> SyncNote:
    if not isinstance(value, dict):
        return SyncNote()
    unreachable = None
    raw = value.get("unreachable")
    if isinstance(raw, dict):
        at = parse_time(raw.get("at")) if isinstance(raw.get("at"), str) else None
        code, message = raw.get("code"), raw.get("message")
        if at is not None and isinstance(code, str) and isinstance(message, str):
            unreachable = Unreachable(at, code, message)
    announced = value.get("expiring_announced")
    return SyncNote(unreachable, announced if isinstance(announced, str) else None)


def unreachable_text(note: Unreachable) -> str:
    """The line the user sees next to a badge that kept its verdict."""
    return f"last checked {iso(note.at)}: could not reach the issuer ({note.message})"


class NoteStore:
    """Reads and writes sync notes in one library."""

    def __init__(self, library: AsyncLibrary) -> None:
        self.library = library

    async def all(self) -> dict[str, SyncNote]:
        settings = await self.library.all_settings()
        return {
            key.removeprefix(PREFIX): note_from_json(value)
            for key, value in settings.items()
            if key.startswith(PREFIX)
        }

    async def put(self, badge_id: str, note: SyncNote) -> None:
        if note.empty:
            await self.library.delete_setting(PREFIX + badge_id)
        else:
            await self.library.set_setting(PREFIX + badge_id, note.to_json())

    async def drop(self, badge_id: str) -> None:
        await self.library.delete_setting(PREFIX + badge_id)
