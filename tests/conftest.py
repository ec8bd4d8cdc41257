"""Shared fixtures: every test runs with BADGEKEEPER_HOME in its own temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def badgekeeper_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Keep every test's data, config, cache and logs in a temporary folder."""
    home = tmp_path / "bk-home"
    home.mkdir()
    monkeypatch.setenv("BADGEKEEPER_HOME", str(home))
    yield home


@pytest.fixture
def fixed_now() -> datetime:
    """A fixed 'now' for clocks handed to the verifier."""
    return datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
