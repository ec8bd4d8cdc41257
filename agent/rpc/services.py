"""What the method handlers work with: one container, built by ``agent.server.services``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.fetch.model import Fetcher
from agent.library import AsyncLibrary
from agent.paths import Paths

if TYPE_CHECKING:
    from agent.backpack.service import BackpackService
    from agent.keeper import BadgeKeeper, EventSink


@dataclass(frozen=True)
class AgentServices:
    """The library, the save/verify service, the fetcher, the event sink and the backpacks."""

    library: AsyncLibrary
    keeper: BadgeKeeper
    fetcher: Fetcher
    events: EventSink
    paths: Paths
    backpacks: BackpackService
