"""The earner's badge library: SQLite (WAL) rows plus badge files stored by SHA-256.

``Library`` is the synchronous API (the CLI when no agent runs, tests); ``AsyncLibrary`` runs the
same API with writes on one dedicated thread and reads on a small pool, for the agent.
"""

from __future__ import annotations

from agent.library.async_library import AsyncLibrary
from agent.library.models import (
    BadgeRecord,
    CollectionRecord,
    CollectionRef,
    Page,
    SaveResult,
    SourceInfo,
    SourceRecord,
    UploadRecord,
    UploadState,
    VerificationRecord,
)
from agent.library.store import Library
from agent.library.thumbnails import thumbnail_png

__all__ = [
    "AsyncLibrary",
    "BadgeRecord",
    "CollectionRecord",
    "CollectionRef",
    "Library",
    "Page",
    "SaveResult",
    "SourceInfo",
    "SourceRecord",
    "UploadRecord",
    "UploadState",
    "VerificationRecord",
    "thumbnail_png",
]
