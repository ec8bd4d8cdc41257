"""Concurrent gets of one key share one request.

Rules:
- The first caller starts a task; later callers of the same key await the same task.
- The task is shielded from any one caller's cancellation, and cancelled once every caller has
  gone (so an abandoned fetch stops instead of running to its timeout).
- The owner cancels and awaits whatever is still in flight on close.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class _Flight(Generic[T]):
    def __init__(self, task: asyncio.Task[T]) -> None:
        self.task = task
        self.waiters = 0


class SingleFlight(Generic[K, T]):
    """A table of in-flight tasks by key."""

    def __init__(self) -> None:
        self._flights: dict[K, _Flight[T]] = {}

    def start(self, key: K, run: Callable[[], Coroutine[Any, Any, T]]) -> tuple[Awaitable[T], bool]:
        """An awaitable for ``key``'s result and whether it joined a flight already running."""
        flight = self._flights.get(key)
        joined = flight is not None
        if flight is None:
            flight = _Flight(asyncio.create_task(run()))
            self._flights[key] = flight
            flight.task.add_done_callback(lambda task: self._landed(key, task))
        return self._wait(flight), joined

    async def _wait(self, flight: _Flight[T]) -> T:
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                flight.task.cancel()

    def _landed(self, key: K, task: asyncio.Task[T]) -> None:
        current = self._flights.get(key)
        if current is not None and current.task is task:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # retrieved, so an unawaited failure is not logged as lost

    async def cancel_all(self) -> None:
        """Cancel every flight and wait until each has stopped."""
        tasks = [flight.task for flight in self._flights.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
