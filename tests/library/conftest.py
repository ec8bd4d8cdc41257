"""Fixtures for library tests: a library in the test's own BADGEKEEPER_HOME."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.library import Library
from tests.library.factories import TickingClock


@pytest.fixture
def clock() -> TickingClock:
    """A clock moving 1 ms per reading."""
    return TickingClock()


@pytest.fixture
def library(clock: TickingClock) -> Iterator[Library]:
    """A fresh library, closed after the test."""
    with Library(clock=clock) as opened:
        yield opened
