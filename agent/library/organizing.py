"""The library's collections, settings and addresses: the part of :class:`Library` that
organizes badges rather than stores them.

Each method is one transaction on the library's database, like every ``Library`` method.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from agent.library import badge_collections, queries, saving, settings
from agent.library.database import LibraryDatabase
from agent.library.models import CollectionRecord


class CollectionsAndSettings:
    """Mixed into :class:`agent.library.store.Library`, which sets ``_db`` and ``_clock``."""

    _db: LibraryDatabase
    _clock: Callable[[], datetime]

    def _now(self) -> str:
        return saving.iso(self._clock())

    # --- collections ---

    def create_collection(self, name: str) -> CollectionRecord:
        with self._db.write() as conn:
            return badge_collections.get(conn, badge_collections.create(conn, name, self._now()))

    def rename_collection(self, collection_id: int, name: str) -> CollectionRecord:
        with self._db.write() as conn:
            badge_collections.rename(conn, collection_id, name, self._now())
            return badge_collections.get(conn, collection_id)

    def move_collection(self, collection_id: int, position: int) -> list[CollectionRecord]:
        with self._db.write() as conn:
            badge_collections.move(conn, collection_id, position, self._now())
            return badge_collections.all_collections(conn)

    def delete_collection(self, collection_id: int) -> None:
        with self._db.write() as conn:
            badge_collections.delete(conn, collection_id)

    def add_to_collection(
        self, collection_id: int, badge_id: str, position: int | None = None
    ) -> CollectionRecord:
        with self._db.write() as conn:
            full_id = queries.resolve_id(conn, badge_id)
            badge_collections.add_badge(conn, collection_id, full_id, position, self._now())
            return badge_collections.get(conn, collection_id)

    def remove_from_collection(self, collection_id: int, badge_id: str) -> CollectionRecord:
        with self._db.write() as conn:
            full_id = queries.resolve_id(conn, badge_id)
            badge_collections.remove_badge(conn, collection_id, full_id, self._now())
            return badge_collections.get(conn, collection_id)

    def collection(self, collection_id: int) -> CollectionRecord:
        with self._db.read() as conn:
            return badge_collections.get(conn, collection_id)

    def collections(self) -> list[CollectionRecord]:
        with self._db.read() as conn:
            return badge_collections.all_collections(conn)

    # --- settings ---

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._db.read() as conn:
            value = settings.get(conn, key)
        return default if value is None else value

    def set_setting(self, key: str, value: Any) -> None:
        with self._db.write() as conn:
            settings.put(conn, key, value)

    def delete_setting(self, key: str) -> None:
        with self._db.write() as conn:
            settings.remove(conn, key)

    def all_settings(self) -> dict[str, Any]:
        with self._db.read() as conn:
            return settings.all_settings(conn)

    def emails(self) -> list[str]:
        with self._db.read() as conn:
            return settings.emails(conn)

    def add_email(self, address: str) -> list[str]:
        with self._db.write() as conn:
            return settings.add_email(conn, address)

    def remove_email(self, address: str) -> list[str]:
        with self._db.write() as conn:
            return settings.remove_email(conn, address)
