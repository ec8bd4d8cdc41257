"""Backpacks: where earners show their badges, and how Badgekeeper uploads to them.

Data flow::

    service.BackpackService ── config (library settings) ── tokens (0600 file)
        │  add / connect (connect: discovery → loopback → registration → PKCE → tokens)
        │  upload → queue.UploadQueue (library upload rows, backoff) → kinds.<client>
        ▼
    kinds.badge_connect / kinds.ob3_api / kinds.badgr ── authorized.AuthorizedApi ── http

``payloads`` decides what each kind is sent, ``answers`` reads what comes back, ``errors`` says
which failures are worth retrying.
"""

from __future__ import annotations

from agent.backpack.auto_upload import AutoUploadSink
from agent.backpack.config import KINDS, BackpackConfig, BackpackKind
from agent.backpack.errors import BackpackError
from agent.backpack.service import BackpackService

__all__ = [
    "KINDS",
    "AutoUploadSink",
    "BackpackConfig",
    "BackpackError",
    "BackpackKind",
    "BackpackService",
]
