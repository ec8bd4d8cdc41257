"""Badgekeeper: keep the Open Badges you earn."""

from __future__ import annotations

__version__ = "0.1.0"
