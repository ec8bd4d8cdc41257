"""Fakes at the seams tests share: an event sink that keeps what was published, a settable clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any


@dataclass
class RecordingSink:
    """An event sink (``agent.keeper.EventSink``) that keeps every event published."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, event: str, params: dict[str, Any]) -> None:
        self.events.append((event, params))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [params for event, params in self.events if event == name]


class SettableClock:
    """A UTC clock that moves only when told (``start`` defaults to the real now)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        """The same moment in seconds since the epoch (for token expiry)."""
        return self.now.timestamp()

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        self.now += timedelta(seconds=seconds, **delta)
