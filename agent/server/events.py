"""EventBus: fans events out to connected clients without ever waiting for one.

Rules:
- ``publish`` is synchronous and never blocks or raises: the event is encoded once and put on
  each subscriber's bounded queue.
- A subscriber whose queue is full is dropped at once (its ``overflowed`` event is set and it
  gets nothing more); its connection is then closed. A slow client cannot slow the agent, and
  memory stays bounded.
- Called on the event loop's thread only (the keeper and the handlers run there).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agent.rpc.protocol import encode, notification_message

log = logging.getLogger(__name__)

QUEUE_LIMIT = 256


class Subscription:
    """One client's queue of encoded event messages."""

    def __init__(self, limit: int) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue(limit)
        self.overflowed = asyncio.Event()


class EventBus:
    """The agent's :class:`agent.keeper.EventSink`."""

    def __init__(self, *, queue_limit: int = QUEUE_LIMIT) -> None:
        self._queue_limit = queue_limit
        self._subscribers: set[Subscription] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, event: str, params: dict[str, Any]) -> None:
        if not self._subscribers:
            return
        try:
            text = encode(notification_message(event, params))
        except (TypeError, ValueError):
            log.exception("event %s could not be encoded; not sent", event)
            return
        for subscriber in list(self._subscribers):
            try:
                subscriber.queue.put_nowait(text)
            except asyncio.QueueFull:
                self._subscribers.discard(subscriber)
                subscriber.overflowed.set()
                log.warning("a client fell %d events behind; dropping it", self._queue_limit)

    @contextmanager
    def subscription(self) -> Iterator[Subscription]:
        subscriber = Subscription(self._queue_limit)
        self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)
