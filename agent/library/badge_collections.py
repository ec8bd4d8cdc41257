"""Collections: named, ordered groups of badges, and the badges' positions inside them.

Rules:
- Positions are contiguous from 0, both of collections and of badges inside one; inserting or
  removing shifts the others in one statement.
- Names are unique regardless of case (``name_key`` is the casefolded name); shown as entered.
- Every function runs inside the caller's write (or read) transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from agent.errors import ErrorCode, LibraryError
from agent.library.models import CollectionRecord

MAX_NAME_CHARS = 200


def _name(name: str) -> tuple[str, str]:
    shown = " ".join(name.split())
    if not shown or len(shown) > MAX_NAME_CHARS:
        raise LibraryError(
            ErrorCode.INVALID_ARGUMENT,
            f"A collection name needs 1 to {MAX_NAME_CHARS} characters. Pick another name.",
        )
    return shown, shown.casefold()


def _not_found(collection_id: int) -> LibraryError:
    return LibraryError(
        ErrorCode.COLLECTION_NOT_FOUND,
        f"No collection has the id {collection_id}. List your collections to see which exist.",
    )


def _require(conn: sqlite3.Connection, collection_id: int) -> int:
    row = conn.execute("SELECT position FROM collections WHERE id = ?", (collection_id,)).fetchone()
    if row is None:
        raise _not_found(collection_id)
    return int(row[0])


def _check_unique(conn: sqlite3.Connection, key: str, shown: str, except_id: int | None) -> None:
    row = conn.execute("SELECT id FROM collections WHERE name_key = ?", (key,)).fetchone()
    if row is not None and row[0] != except_id:
        raise LibraryError(
            ErrorCode.INVALID_ARGUMENT,
            f"A collection named {shown!r} already exists. Pick another name.",
        )


def _clamp(position: int | None, count: int) -> int:
    return count if position is None else max(0, min(position, count))


def create(conn: sqlite3.Connection, name: str, now: str) -> int:
    """A new, empty collection at the end of the list; its id."""
    shown, key = _name(name)
    _check_unique(conn, key, shown, None)
    count = conn.execute("SELECT count(*) FROM collections").fetchone()[0]
    cursor = conn.execute(
        "INSERT INTO collections (name, name_key, position, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (shown, key, count, now, now),
    )
    return int(cursor.lastrowid or 0)


def rename(conn: sqlite3.Connection, collection_id: int, name: str, now: str) -> None:
    _require(conn, collection_id)
    shown, key = _name(name)
    _check_unique(conn, key, shown, collection_id)
    conn.execute(
        "UPDATE collections SET name = ?, name_key = ?, updated_at = ? WHERE id = ?",
        (shown, key, now, collection_id),
    )


def move(conn: sqlite3.Connection, collection_id: int, position: int, now: str) -> None:
    """Put the collection at ``position`` in the list (clamped to the list)."""
    old = _require(conn, collection_id)
    count = conn.execute("SELECT count(*) FROM collections").fetchone()[0]
    new = _clamp(position, count - 1)
    conn.execute("UPDATE collections SET position = position - 1 WHERE position > ?", (old,))
    conn.execute("UPDATE collections SET position = position + 1 WHERE position >= ?", (new,))
    conn.execute(
        "UPDATE collections SET position = ?, updated_at = ? WHERE id = ?",
        (new, now, collection_id),
    )


def delete(conn: sqlite3.Connection, collection_id: int) -> None:
    """Delete the collection (its badges stay in the library)."""
    old = _require(conn, collection_id)
    conn.execute("DELETE FROM collections WHERE id = ?", (collection_id,))
    conn.execute("UPDATE collections SET position = position - 1 WHERE position > ?", (old,))


def add_badge(
    conn: sqlite3.Connection, collection_id: int, badge_id: str, position: int | None, now: str
) -> None:
    """Put the badge at ``position`` (the end when None); a badge already there is moved."""
    _require(conn, collection_id)
    _detach(conn, collection_id, badge_id)
    count = conn.execute(
        "SELECT count(*) FROM collection_badges WHERE collection_id = ?", (collection_id,)
    ).fetchone()[0]
    at = _clamp(position, count)
    conn.execute(
        "UPDATE collection_badges SET position = position + 1 "
        "WHERE collection_id = ? AND position >= ?",
        (collection_id, at),
    )
    conn.execute(
        "INSERT INTO collection_badges (collection_id, badge_id, position, added_at) "
        "VALUES (?, ?, ?, ?)",
        (collection_id, badge_id, at, now),
    )
    conn.execute("UPDATE collections SET updated_at = ? WHERE id = ?", (now, collection_id))


def remove_badge(conn: sqlite3.Connection, collection_id: int, badge_id: str, now: str) -> None:
    """Take the badge out of the collection (a badge not in it is fine)."""
    _require(conn, collection_id)
    if _detach(conn, collection_id, badge_id):
        conn.execute("UPDATE collections SET updated_at = ? WHERE id = ?", (now, collection_id))


def _detach(conn: sqlite3.Connection, collection_id: int, badge_id: str) -> bool:
    row = conn.execute(
        "SELECT position FROM collection_badges WHERE collection_id = ? AND badge_id = ?",
        (collection_id, badge_id),
    ).fetchone()
    if row is None:
        return False
    conn.execute(
        "DELETE FROM collection_badges WHERE collection_id = ? AND badge_id = ?",
        (collection_id, badge_id),
    )
    conn.execute(
        "UPDATE collection_badges SET position = position - 1 "
        "WHERE collection_id = ? AND position > ?",
        (collection_id, row[0]),
    )
    return True


def forget_badge_positions(conn: sqlite3.Connection, badge_id: str) -> None:
    """Close the gaps a deleted badge leaves in every collection that held it."""
    for collection_id, position in conn.execute(
        "SELECT collection_id, position FROM collection_badges WHERE badge_id = ?", (badge_id,)
    ).fetchall():
        conn.execute(
            "DELETE FROM collection_badges WHERE collection_id = ? AND badge_id = ?",
            (collection_id, badge_id),
        )
        conn.execute(
            "UPDATE collection_badges SET position = position - 1 "
            "WHERE collection_id = ? AND position > ?",
            (collection_id, position),
        )


_SELECT = (
    "SELECT c.*, cb.badge_id FROM collections c "
    "LEFT JOIN collection_badges cb ON cb.collection_id = c.id "
)
_ORDER = " ORDER BY c.position, cb.position"


def get(conn: sqlite3.Connection, collection_id: int) -> CollectionRecord:
    records = _records(conn.execute(_SELECT + "WHERE c.id = ?" + _ORDER, (collection_id,)))
    if not records:
        raise _not_found(collection_id)
    return records[0]


def all_collections(conn: sqlite3.Connection) -> list[CollectionRecord]:
    return _records(conn.execute(_SELECT + _ORDER))


def _records(rows: Iterable[sqlite3.Row]) -> list[CollectionRecord]:
    heads: dict[int, sqlite3.Row] = {}
    badges: dict[int, list[str]] = {}
    for row in rows:
        heads.setdefault(row["id"], row)
        members = badges.setdefault(row["id"], [])
        if row["badge_id"] is not None:
            members.append(row["badge_id"])
    return [
        CollectionRecord(
            id=head["id"],
            name=head["name"],
            position=head["position"],
            badge_ids=tuple(badges[collection_id]),
            created_at=head["created_at"],
            updated_at=head["updated_at"],
        )
        for collection_id, head in heads.items()
    ]
