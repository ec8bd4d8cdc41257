"""Errors of sharing and collection export.

Hierarchy::

    BadgekeeperError (agent.errors)
    └── ShareError       a badge that cannot be shared yet, or an export that cannot be written
"""

from __future__ import annotations

from agent.errors import BadgekeeperError


class ShareError(BadgekeeperError):
    """A badge with no public address, or a collection export that could not be written."""
