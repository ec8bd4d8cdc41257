"""Auto-upload: the keeper's events pass through here, and each badge saved ``valid`` is queued
for the default backpacks when the ``auto_upload`` preference is on (the service decides)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.keeper import EventSink
from agent.rpc.events import BADGE_SAVED

if TYPE_CHECKING:
    from agent.backpack.service import BackpackService


class AutoUploadSink:
    """The keeper's event sink: passes every event on, and hands saves to the backpacks."""

    def __init__(self, sink: EventSink, backpacks: BackpackService) -> None:
        self._sink = sink
        self._backpacks = backpacks

    def publish(self, event: str, params: dict[str, Any]) -> None:
        self._sink.publish(event, params)
        if event == BADGE_SAVED:
            self._backpacks.badge_saved(params)
