"""Opening and closing the agent's services for one home, in the right order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from agent.backpack.auto_upload import AutoUploadSink
from agent.backpack.service import BackpackService
from agent.fetch.client import SafeFetcher
from agent.keeper import BadgeKeeper, EventSink
from agent.library import AsyncLibrary
from agent.paths import Paths
from agent.rpc.services import AgentServices

FETCH_TIMEOUT = 10.0


class _NoEvents:
    """The sink when nobody listens (the CLI calling the methods in-process)."""

    def publish(self, event: str, params: dict[str, Any]) -> None:
        return None


@asynccontextmanager
async def open_services(
    paths: Paths, *, events: EventSink | None = None, fetch_timeout: float = FETCH_TIMEOUT
) -> AsyncIterator[AgentServices]:
    """The library, fetcher, keeper and backpacks of ``paths``; closed (writes finished) on exit.

    The agent passes its :class:`agent.server.events.EventBus`, and with it background work
    runs (the upload queue's loop); the CLI passes nothing, events go nowhere and uploads run
    when drained.
    """
    sink: EventSink = events if events is not None else _NoEvents()
    # Closed in reverse: backpacks (their tasks) first, the library last: its close waits for
    # the writes in flight.
    async with (
        AsyncLibrary(paths) as library,
        SafeFetcher(timeout=fetch_timeout, cache_dir=paths.http_cache) as fetcher,
        BackpackService(paths, library, sink, background=events is not None) as backpacks,
    ):
        yield AgentServices(
            library=library,
            keeper=BadgeKeeper(library, fetcher, events=AutoUploadSink(sink, backpacks)),
            fetcher=fetcher,
            events=sink,
            paths=paths,
            backpacks=backpacks,
        )
