"""The library for asyncio code (the agent): writes on one dedicated thread, reads on a pool.

Rules:
- Every write runs on the single writer thread, in call order; reads run on a small pool, each
  thread with its own SQLite connection. The event loop never touches SQLite or the disk.
- Started and stopped as an async context manager. Closing refuses new calls, waits for the
  calls in flight, closes the connections, then joins every thread: nothing outlives the block.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from agent.errors import ErrorCode, LibraryError
from agent.library.models import (
    BadgeRecord,
    CollectionRecord,
    Page,
    SaveResult,
    SortKey,
    SourceInfo,
    SourceRecord,
    UploadRecord,
    UploadState,
    VerificationRecord,
)
from agent.library.store import Clock, Library, _utc_now
from agent.library.thumbnails import DEFAULT_SIZE
from agent.paths import Paths
from agent.verify.result import Status, Verdict

P = ParamSpec("P")
T = TypeVar("T")


class AsyncLibrary:
    """``Library`` for the event loop: ``async with AsyncLibrary() as library: ...``."""

    def __init__(
        self, paths: Paths | None = None, *, clock: Clock = _utc_now, readers: int = 3
    ) -> None:
        self._paths = paths
        self._clock = clock
        self._reader_count = max(1, readers)
        self._library: Library | None = None
        self._writer: concurrent.futures.ThreadPoolExecutor | None = None
        self._readers: concurrent.futures.ThreadPoolExecutor | None = None

    async def __aenter__(self) -> AsyncLibrary:
        self._writer = concurrent.futures.ThreadPoolExecutor(1, "badgekeeper-library-writer")
        self._readers = concurrent.futures.ThreadPoolExecutor(
            self._reader_count, "badgekeeper-library-reader"
        )
        try:
            # Opening migrates, which is a write: it belongs on the writer thread.
            self._library = await asyncio.wrap_future(
                self._writer.submit(Library, self._paths, clock=self._clock)
            )
        except BaseException:
            self._shutdown()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Finish the calls in flight, close the database, join the threads."""
        library, self._library = self._library, None  # refuse new calls from here on
        writer, readers = self._writer, self._readers
        if library is None or writer is None or readers is None:
            self._shutdown()
            return

        def finish() -> None:
            # On the writer thread, so every write submitted before is done; then wait for the
            # reads, and only then close the connections they use.
            readers.shutdown(wait=True)
            library.close()

        try:
            await asyncio.wrap_future(writer.submit(finish))
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        for executor in (self._readers, self._writer):
            if executor is not None:
                executor.shutdown(wait=True)
        self._readers = self._writer = None

    @property
    def library(self) -> Library:
        if self._library is None:
            raise LibraryError(
                ErrorCode.INTERNAL_ERROR, "The badge library is not open (use `async with`)."
            )
        return self._library

    async def _run(
        self,
        executor: concurrent.futures.ThreadPoolExecutor | None,
        fn: Callable[P, T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        if executor is None or self._library is None:
            raise LibraryError(
                ErrorCode.INTERNAL_ERROR, "The badge library is not open (use `async with`)."
            )
        return await asyncio.wrap_future(executor.submit(fn, *args, **kwargs))

    async def _write(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(self._writer, fn, *args, **kwargs)

    async def _read(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(self._readers, fn, *args, **kwargs)

    # --- badges ---

    async def save(
        self,
        *,
        verdict: Verdict,
        payload: str,
        payload_kind: str,
        image: bytes | None,
        media_type: str | None,
        source: SourceInfo,
    ) -> SaveResult:
        return await self._write(
            self.library.save,
            verdict=verdict,
            payload=payload,
            payload_kind=payload_kind,
            image=image,
            media_type=media_type,
            source=source,
        )

    async def record_verification(self, badge_id: str, verdict: Verdict) -> BadgeRecord:
        return await self._write(self.library.record_verification, badge_id, verdict)

    async def delete(self, badge_id: str) -> BadgeRecord:
        return await self._write(self.library.delete, badge_id)

    async def set_upload_state(
        self,
        badge_id: str,
        backpack: str,
        state: UploadState,
        remote_id: str | None = None,
        error: str | None = None,
        *,
        public_url: str | None = None,
        next_attempt_at: str | None = None,
    ) -> UploadRecord:
        return await self._write(
            self.library.set_upload_state,
            badge_id,
            backpack,
            state,
            remote_id,
            error,
            public_url=public_url,
            next_attempt_at=next_attempt_at,
        )

    async def record_verifications(
        self, checks: Sequence[tuple[str, Verdict]]
    ) -> list[BadgeRecord | None]:
        return await self._write(self.library.record_verifications, checks)

    async def set_check_notes(
        self, notes: Sequence[tuple[str, dict[str, str] | None, str | None]]
    ) -> None:
        await self._write(self.library.set_check_notes, notes)

    async def unreachable(self, limit: int = 500) -> list[tuple[str, dict[str, str]]]:
        return await self._read(self.library.unreachable, limit)

    async def forget_backpack(self, backpack: str) -> int:
        return await self._write(self.library.forget_backpack, backpack)

    async def get(self, id_or_prefix: str) -> BadgeRecord:
        return await self._read(self.library.get, id_or_prefix)

    async def find(
        self, *, assertion_id: str | None = None, sha256: str | None = None
    ) -> BadgeRecord | None:
        return await self._read(self.library.find, assertion_id=assertion_id, sha256=sha256)

    async def list_badges(
        self,
        *,
        status: Status | Sequence[Status] | None = None,
        text: str | None = None,
        collection: int | None = None,
        issuer: str | None = None,
        sort: SortKey = "saved_at",
        descending: bool = True,
        limit: int = 50,
        offset: int = 0,
        cursor: str | None = None,
    ) -> Page:
        return await self._read(
            self.library.list_badges,
            status=status,
            text=text,
            collection=collection,
            issuer=issuer,
            sort=sort,
            descending=descending,
            limit=limit,
            offset=offset,
            cursor=cursor,
        )

    async def sources(self, badge_id: str) -> list[SourceRecord]:
        return await self._read(self.library.sources, badge_id)

    async def verifications(self, badge_id: str, limit: int = 100) -> list[VerificationRecord]:
        return await self._read(self.library.verifications, badge_id, limit)

    async def uploads(self, badge_id: str) -> list[UploadRecord]:
        return await self._read(self.library.uploads, badge_id)

    async def uploads_in_state(
        self, state: UploadState, *, backpack: str | None = None, limit: int = 100
    ) -> list[UploadRecord]:
        return await self._read(
            self.library.uploads_in_state, state, backpack=backpack, limit=limit
        )

    async def due_for_check(self, checked_before: datetime, limit: int = 100) -> list[BadgeRecord]:
        return await self._read(self.library.due_for_check, checked_before, limit)

    async def image(self, badge_id: str) -> tuple[bytes, str] | None:
        return await self._read(self.library.image, badge_id)

    async def thumbnail(self, badge_id: str, size: int = DEFAULT_SIZE) -> bytes | None:
        return await self._read(self.library.thumbnail, badge_id, size)

    async def export_badge(self, badge_id: str) -> tuple[str, bytes]:
        return await self._read(self.library.export_badge, badge_id)

    async def export_library(self, path: Path) -> int:
        return await self._read(self.library.export_library, path)

    async def integrity_errors(self) -> list[str]:
        return await self._read(self.library.integrity_errors)

    # --- collections ---

    async def create_collection(self, name: str) -> CollectionRecord:
        return await self._write(self.library.create_collection, name)

    async def rename_collection(self, collection_id: int, name: str) -> CollectionRecord:
        return await self._write(self.library.rename_collection, collection_id, name)

    async def move_collection(self, collection_id: int, position: int) -> list[CollectionRecord]:
        return await self._write(self.library.move_collection, collection_id, position)

    async def delete_collection(self, collection_id: int) -> None:
        await self._write(self.library.delete_collection, collection_id)

    async def add_to_collection(
        self, collection_id: int, badge_id: str, position: int | None = None
    ) -> CollectionRecord:
        return await self._write(self.library.add_to_collection, collection_id, badge_id, position)

    async def remove_from_collection(self, collection_id: int, badge_id: str) -> CollectionRecord:
        return await self._write(self.library.remove_from_collection, collection_id, badge_id)

    async def collection(self, collection_id: int) -> CollectionRecord:
        return await self._read(self.library.collection, collection_id)

    async def collections(self) -> list[CollectionRecord]:
        return await self._read(self.library.collections)

    # --- settings ---

    async def get_setting(self, key: str, default: Any = None) -> Any:
        return await self._read(self.library.get_setting, key, default)

    async def set_setting(self, key: str, value: Any) -> None:
        await self._write(self.library.set_setting, key, value)

    async def delete_setting(self, key: str) -> None:
        await self._write(self.library.delete_setting, key)

    async def all_settings(self) -> dict[str, Any]:
        return await self._read(self.library.all_settings)

    async def emails(self) -> list[str]:
        return await self._read(self.library.emails)

    async def add_email(self, address: str) -> list[str]:
        return await self._write(self.library.add_email, address)

    async def remove_email(self, address: str) -> list[str]:
        return await self._write(self.library.remove_email, address)
