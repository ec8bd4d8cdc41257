"""What every verification step is handed: the fetcher, the clock and the user's addresses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from agent.fetch.model import Fetcher

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: timezone-aware UTC."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class VerifyContext:
    """The seams of verification: no step reaches for the network or the clock by itself.

    ``emails`` are the user's addresses (compared case-insensitively); empty means the recipient
    is reported as not checked.
    """

    fetcher: Fetcher
    clock: Clock = utc_now
    emails: Sequence[str] = ()
