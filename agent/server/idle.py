"""Idle exit: stop the agent once no client has been connected for a while.

A connection counts from its handshake until its last request has finished, so a client that
sent a save and left keeps the agent up until the save is durable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


class Activity:
    """How many clients are connected; ``idle`` is set while there are none."""

    def __init__(self) -> None:
        self._count = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self._busy = asyncio.Event()

    @property
    def connected(self) -> int:
        return self._count

    @contextmanager
    def client(self) -> Iterator[None]:
        self._count += 1
        self.idle.clear()
        self._busy.set()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._busy.clear()
                self.idle.set()

    async def wait_busy(self) -> None:
        await self._busy.wait()


async def stop_when_idle(activity: Activity, seconds: float, stop: asyncio.Event) -> None:
    """Set ``stop`` after ``seconds`` in a row without any client."""
    while True:
        await activity.idle.wait()
        try:
            # Event.wait wakes even when the client came and went before this task ran again.
            await asyncio.wait_for(activity.wait_busy(), seconds)
        except asyncio.TimeoutError:
            log.info("no client for %g s: stopping", seconds)
            stop.set()
            return
