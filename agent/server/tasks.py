"""TaskOwner: every background task is started inside one and cancelled and awaited with it.

Rules:
- ``start`` only inside ``async with``; after the block nothing it started is still running.
- Leaving the block cancels what is left and waits for it, even when the leaving task is itself
  being cancelled: a task never outlives its owner.
- A task that fails is logged (with its traceback, in the log file only) when it finishes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskOwner:
    """A set of tasks with one owner, like ``asyncio.TaskGroup`` but without failing siblings."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()
        self._open = False

    async def __aenter__(self) -> TaskOwner:
        self._open = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._open = False
        await self.cancel_all()

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, coro: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        """Run ``coro`` as a task owned by this owner."""
        if not self._open:
            coro.close()
            raise RuntimeError(f"{self.name}: tasks start only inside `async with`")
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.name}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("task %s failed", task.get_name(), exc_info=exc)

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait (without cancelling) until every task started so far has finished."""
        pending = set(self._tasks)
        if not pending:
            return True
        _, still = await asyncio.wait(pending, timeout=timeout)
        return not still

    async def cancel_all(self) -> None:
        """Cancel every task and wait until each has really finished."""
        while self._tasks:
            pending = set(self._tasks)
            for task in pending:
                task.cancel()
            try:
                await asyncio.wait(pending)
            except asyncio.CancelledError:
                # Cancelled while cleaning up: finish the clean-up, then let it propagate.
                await asyncio.wait(pending)
                raise
