"""When a failed upload is tried again: exponential backoff with jitter, bounded. Pure.

Attempt ``n`` (1 for the first retry) waits a random time in ``[d/2, d]`` where
``d = min(cap, base · 2^(n-1))`` ("equal jitter": spread out, never immediate), or the
backpack's own ``Retry-After`` when it is longer (capped too). After ``max_attempts`` attempts
an upload fails for good.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to try an upload, and how long to wait between tries."""

    max_attempts: int = 8
    base: float = 2.0
    cap: float = 900.0
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        ceiling = min(self.cap, self.base * float(2 ** max(0, min(attempts - 1, 40))))
        wait = ceiling / 2 + float(self.jitter()) * ceiling / 2
        if retry_after is not None and retry_after > wait:
            wait = min(retry_after, self.cap)
        return wait
