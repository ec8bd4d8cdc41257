"""What sync remembers about a badge beyond its verdict: the badge's check note in the library.

Rules:
- ``unreachable``: the last attempt that could not reach the issuer (``at``, ``code``,
  ``message``); the badge kept its last verdict. ``expiring_announced``: the expiry date a
  ``badge.expiring`` event was sent for, so it is sent once per date.
- The note is stored on the badge (``agent.library.check_notes``): it is read with the badge,
  shown in its JSON (``unreachable.note``), and goes when the badge goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.library import BadgeRecord
from agent.library.saving import iso
from agent.sync.cadence import parse_time


@dataclass(frozen=True)
class Unreachable:
    """A check that could not reach the issuer: the badge kept its last verdict."""

    at: datetime
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"at": iso(self.at), "code": self.code, "message": self.message}


@dataclass(frozen=True)
class SyncNote:
    unreachable: Unreachable | None = None
    expiring_announced: str | None = None


def note_of(record: BadgeRecord) -> SyncNote:
    """The note stored with ``record`` (an unreadable time reads as no note)."""
    unreachable = None
    raw = record.unreachable
    if raw is not None:
        at = parse_time(raw["at"])
        if at is not None:
            unreachable = Unreachable(at, raw["code"], raw["message"])
    return SyncNote(unreachable, record.expiring_announced)
