"""The badge library: saves, deletes, uploads, collections and settings over one database.

Rules:
- A badge file is written, fsynced and renamed into place before the row naming it commits; it
  is re-checked under the write lock, because a delete may have removed the same bytes meanwhile.
- A file is removed only under the write lock, after the commit that dropped its last row.
- Every public method is one transaction (see ``database.py``), except ``delete``'s second one
  for the file: a write either happened whole, durably, or not at all.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from agent.errors import BakeryError, ErrorCode, LibraryError
from agent.library import (
    badge_collections,
    check_notes,
    export,
    queries,
    saving,
    search,
    upload_states,
)
from agent.library.database import LibraryDatabase
from agent.library.files import BadgeFiles, media_type_of, sha256_hex
from agent.library.models import (
    BadgeRecord,
    Page,
    SaveResult,
    SortKey,
    SourceInfo,
    SourceRecord,
    UploadRecord,
    UploadState,
    VerificationRecord,
)
from agent.library.organizing import CollectionsAndSettings
from agent.library.thumbnails import DEFAULT_SIZE, ThumbnailCache
from agent.paths import Paths, ensure_private_dir, resolve_paths
from agent.verify.result import Status, Verdict

MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_PAYLOAD_CHARS = 16 * 1024 * 1024
MAX_ASSERTION_ID_CHARS = 8192
PAYLOAD_KINDS = ("assertion-json", "credential-json", "jws", "vc-jwt", "url")

Clock = Callable[[], datetime]
logger = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Library(CollectionsAndSettings):
    """The earner's badges on disk. Use as a context manager, or call ``close()``."""

    def __init__(self, paths: Paths | None = None, *, clock: Clock = _utc_now) -> None:
        self.paths = paths or resolve_paths()
        self._clock = clock
        try:
            self.files = BadgeFiles(ensure_private_dir(self.paths.badge_files))
        except OSError as exc:
            raise LibraryError(
                ErrorCode.LIBRARY_UNAVAILABLE,
                f"The badge folder {self.paths.badge_files} could not be created ({exc.strerror}). "
                "Check the permissions of Badgekeeper's data folder.",
            ) from exc
        self._db = LibraryDatabase(self.paths.library_db)
        self.thumbnails = ThumbnailCache(self.paths.cache / "thumbs")

    @property
    def search_indexed(self) -> bool:
        """True when text search uses the FTS5 index (else ``LIKE``)."""
        return self._db.search_indexed

    def close(self) -> None:
        """Close every connection (call once no other thread uses this library)."""
        self._db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- badges: writes ---

    def save(
        self,
        *,
        verdict: Verdict,
        payload: str,
        payload_kind: str,
        image: bytes | None,
        media_type: str | None,
        source: SourceInfo,
    ) -> SaveResult:
        """Store a verified badge durably; saving the same badge again adds a source to it."""
        if payload_kind not in PAYLOAD_KINDS:
            raise queries.invalid(f"A payload kind is one of {', '.join(PAYLOAD_KINDS)}.")
        if len(payload) > MAX_PAYLOAD_CHARS:
            raise LibraryError(ErrorCode.PAYLOAD_TOO_LARGE)
        try:
            payload_sha = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        except UnicodeEncodeError as exc:
            raise queries.invalid(
                "The badge payload is not valid text; it cannot be kept."
            ) from exc
        assertion_id = (verdict.badge.id or "").strip() or None
        if assertion_id is not None and len(assertion_id) > MAX_ASSERTION_ID_CHARS:
            raise queries.invalid("The badge's id is longer than any real badge's; not kept.")
        assertion_id = saving.clean(assertion_id, MAX_ASSERTION_ID_CHARS)
        image_sha = kept_type = None
        if image is not None:
            if len(image) > MAX_IMAGE_BYTES:
                raise LibraryError(ErrorCode.PAYLOAD_TOO_LARGE)
            kept_type = media_type_of(image, media_type)
            image_sha = sha256_hex(image)
            self.files.put(image, image_sha, kept_type)  # durable before any row names it
        now = self._now()
        with self._db.write() as conn:
            if image is not None and image_sha is not None and kept_type is not None:
                self.files.put(image, image_sha, kept_type)  # cheap when present; see the rules
            row = saving.existing_badge(conn, assertion_id, image_sha, payload_sha)
            if row is None:
                badge_id = saving.new_badge_id(
                    conn, saving.id_basis(assertion_id, image_sha, payload_sha)
                )
                saving.insert_badge(
                    conn,
                    badge_id=badge_id,
                    assertion_id=assertion_id,
                    payload=payload,
                    payload_kind=payload_kind,
                    payload_sha=payload_sha,
                    image_sha=image_sha,
                    media_type=kept_type,
                    verdict=verdict,
                    now=now,
                )
            else:
                badge_id = row["id"]
                saving.attach(conn, row, assertion_id, image_sha, kept_type, now)
                saving.apply_verdict(conn, badge_id, verdict, now)
            saving.add_source(conn, badge_id, source, now)
            search.refresh_search_text(conn, badge_id, indexed=self.search_indexed)
            return SaveResult(badge=queries.get_badge(conn, badge_id), created=row is None)

    def record_verification(self, badge_id: str, verdict: Verdict) -> BadgeRecord:
        """Store a new verification of a saved badge; the newest one sets its status."""
        now = self._now()
        with self._db.write() as conn:
            full_id = queries.resolve_id(conn, badge_id)
            saving.apply_verdict(conn, full_id, verdict, now)
            search.refresh_search_text(conn, full_id, indexed=self.search_indexed)
            return queries.get_badge(conn, full_id)

    def delete(self, badge_id: str) -> BadgeRecord:
        """Remove a badge (and its file when no other badge uses it); return what was removed."""
        with self._db.write() as conn:
            full_id = queries.resolve_id(conn, badge_id)
            record = queries.get_badge(conn, full_id)
            seq = conn.execute("SELECT seq FROM badges WHERE id = ?", (full_id,)).fetchone()[0]
            if self.search_indexed:
                search.drop_from_index(conn, seq)
            badge_collections.forget_badge_positions(conn, full_id)
            conn.execute("DELETE FROM badges WHERE id = ?", (full_id,))
        if record.sha256 is not None and record.media_type is not None:
            with self._db.write() as conn:
                used = conn.execute(
                    "SELECT 1 FROM badges WHERE image_sha256 = ? LIMIT 1", (record.sha256,)
                ).fetchone()
                if used is None:
                    self.files.remove(record.sha256, record.media_type)
                    self.thumbnails.discard(record.sha256)
        return record

    def set_upload_state(
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
        """Record an upload's progress (rules in ``upload_states.py``)."""
        now = self._now()
        with self._db.write() as conn:
            full_id = queries.resolve_id(conn, badge_id)
            return upload_states.set_state(
                conn,
                full_id,
                backpack,
                state,
                remote_id,
                error,
                now,
                public_url=public_url,
                next_attempt_at=next_attempt_at,
            )

    def record_verifications(
        self, checks: Sequence[tuple[str, Verdict]]
    ) -> list[BadgeRecord | None]:
        """Store many verifications in one transaction (sync's batches, one fsync for all).

        Ids must be full ids; a badge deleted meanwhile is skipped and answers None.
        """
        now = self._now()
        with self._db.write() as conn:
            stored: list[str | None] = []
            for badge_id, verdict in checks:
                if not queries.exists(conn, badge_id):
                    stored.append(None)
                    continue
                saving.apply_verdict(conn, badge_id, verdict, now)
                search.refresh_search_text(conn, badge_id, indexed=self.search_indexed)
                stored.append(badge_id)
            found = {r.id: r for r in queries.get_badges(conn, [i for i in stored if i])}
        return [None if badge_id is None else found.get(badge_id) for badge_id in stored]

    def set_check_notes(
        self, notes: Sequence[tuple[str, dict[str, str] | None, str | None]]
    ) -> None:
        """Record what checks said beyond their verdicts (``check_notes``), in one transaction:
        ``(badge id, unreachable or None, expiring_announced or None)``; a badge deleted
        meanwhile is skipped."""
        with self._db.write() as conn:
            for badge_id, unreachable, expiring_announced in notes:
                check_notes.set_note(conn, badge_id, unreachable, expiring_announced)

    def unreachable(self, limit: int = 500) -> list[tuple[str, dict[str, str]]]:
        """(badge id, note) of badges whose last check could not reach the issuer."""
        queries.check_limit(limit)
        with self._db.read() as conn:
            return check_notes.unreachable_ids(conn, limit)

    def forget_backpack(self, backpack: str) -> int:
        """Drop every upload record of a removed backpack; return how many there were."""
        with self._db.write() as conn:
            return conn.execute("DELETE FROM uploads WHERE backpack = ?", (backpack,)).rowcount

    # --- badges: reads ---

    def get(self, id_or_prefix: str) -> BadgeRecord:
        """The badge whose id is, or uniquely starts with, ``id_or_prefix`` (≥ 4 characters)."""
        with self._db.read() as conn:
            return queries.get_badge(conn, queries.resolve_id(conn, id_or_prefix))

    def find(
        self, *, assertion_id: str | None = None, sha256: str | None = None
    ) -> BadgeRecord | None:
        """The saved badge with this assertion/credential id or image SHA-256, if any."""
        with self._db.read() as conn:
            return queries.find_badge(conn, assertion_id=assertion_id, sha256=sha256)

    def list_badges(
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
        """A page of badges matching all filters given; ``cursor`` continues a previous page."""
        with self._db.read() as conn:
            return queries.list_badges(
                conn,
                indexed=self.search_indexed,
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

    def sources(self, badge_id: str) -> list[SourceRecord]:
        with self._db.read() as conn:
            return queries.sources(conn, queries.resolve_id(conn, badge_id))

    def verifications(self, badge_id: str, limit: int = 100) -> list[VerificationRecord]:
        with self._db.read() as conn:
            return queries.verifications(conn, queries.resolve_id(conn, badge_id), limit)

    def uploads(self, badge_id: str) -> list[UploadRecord]:
        with self._db.read() as conn:
            return upload_states.uploads(conn, queries.resolve_id(conn, badge_id))

    def uploads_in_state(
        self, state: UploadState, *, backpack: str | None = None, limit: int = 100
    ) -> list[UploadRecord]:
        with self._db.read() as conn:
            return upload_states.uploads_in_state(conn, state, backpack, limit)

    def due_for_check(self, checked_before: datetime, limit: int = 100) -> list[BadgeRecord]:
        with self._db.read() as conn:
            return queries.due_for_check(conn, saving.iso(checked_before), limit)

    def image(self, badge_id: str) -> tuple[bytes, str] | None:
        """The saved image bytes and media type, or None for a badge saved without an image."""
        record = self.get(badge_id)
        if record.sha256 is None or record.media_type is None:
            return None
        return self.files.read(record.sha256, record.media_type), record.media_type

    def thumbnail(self, badge_id: str, size: int = DEFAULT_SIZE) -> bytes | None:
        """A small PNG of a PNG badge (cached); None for SVG, no image, or an unreadable one."""
        record = self.get(badge_id)
        if record.sha256 is None or record.media_type is None:
            return None
        sha256, media_type = record.sha256, record.media_type
        try:
            return self.thumbnails.get(
                sha256, media_type, lambda: self.files.read(sha256, media_type), size
            )
        except BakeryError as exc:
            if exc.code is ErrorCode.IMAGE_MALFORMED:
                logger.info("no thumbnail for badge %s: %s", record.id, exc.message)
                return None  # the popup shows its placeholder
            raise

    def export_badge(self, badge_id: str) -> tuple[str, bytes]:
        """A file name and the bytes to write: the baked image as saved, else the payload."""
        record = self.get(badge_id)
        return export.badge_filename(record), export.badge_bytes(record, self.files)

    def export_library(self, path: Path) -> int:
        """Write every badge and ``index.json`` to a zip at ``path``; return the badge count."""
        with self._db.read() as conn:
            return export.write_library_zip(conn, self.files, Path(path))

    def integrity_errors(self) -> list[str]:
        """SQLite's integrity check: an empty list when the database is sound."""
        with self._db.read() as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        problems = [str(row[0]) for row in rows]
        return [] if problems == ["ok"] else problems
