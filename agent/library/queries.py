"""Reads: resolving ids, pages of badges with filters and text search, sources, verifications.

Rules:
- A page costs a fixed number of queries whatever its size: the count, the page's keys (ordered
  and cut over narrow index entries), its full rows, then sources, uploads and collections for
  all of them at once (no N+1).
- Sort keys are NOT NULL columns with an index ending in ``id``, so keyset cursors are exact.
- Every function runs inside the caller's transaction; the caller gives each page one snapshot.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from collections.abc import Sequence
from typing import Any, cast

from agent.errors import ErrorCode, LibraryError
from agent.library import search
from agent.library.models import (
    STATUSES,
    BadgeRecord,
    Page,
    SortKey,
    SourceRecord,
    VerificationRecord,
)
from agent.library.records import build_records, json_object, source_record
from agent.verify.result import Status

MIN_PREFIX = 4
MAX_LIMIT = 500
SCAN_THRESHOLD = 400  # matches above which a page walks the sort index (measured at 10,000)
_FTS_COUNT = "SELECT count(*) FROM badge_search WHERE badge_search MATCH ?"
_FTS_MEMBER = "{probe}b.seq IN (SELECT rowid FROM badge_search WHERE badge_search MATCH ?)"
_HEX = re.compile(r"[0-9a-f]+")
_SORT_COLUMNS: dict[str, str] = {
    "saved_at": "b.saved_at",
    "name": "b.name_key",
    "issued_on": "b.issued_key",
    "position": "cb.position",
}
SELECT_BADGES = (
    "SELECT b.id, b.assertion_id, b.spec, b.format, b.payload_kind, b.image_sha256, "
    "b.media_type, b.name, b.description, b.criteria, b.image_url, b.issuer_id, b.issuer_name, "
    "b.issuer_url, b.badge_class_id, b.issued_on, b.expires, b.status, b.checked_at, b.errors, "
    "b.warnings, b.recipient, b.saved_at, b.updated_at, b.unreachable, b.expiring_announced, "
    "(SELECT p.payload FROM badge_payloads p WHERE p.seq = b.seq) AS payload "
)


def invalid(message: str) -> LibraryError:
    return LibraryError(ErrorCode.INVALID_ARGUMENT, message)


def not_found(badge_id: str) -> LibraryError:
    return LibraryError(
        ErrorCode.BADGE_NOT_FOUND,
        f"No saved badge has the id {badge_id[:40]!r}. Run `badgekeeper list` to see the ids of "
        "your badges.",
    )


def resolve_id(conn: sqlite3.Connection, id_or_prefix: str) -> str:
    """The full id of the one badge whose id starts with ``id_or_prefix`` (≥ 4 hex characters)."""
    prefix = id_or_prefix.strip().lower()
    if len(prefix) < MIN_PREFIX:
        raise invalid(
            f"A badge id needs at least {MIN_PREFIX} characters; {id_or_prefix[:40]!r} is too "
            "short. Run `badgekeeper list` to see the ids."
        )
    if not _HEX.fullmatch(prefix):
        raise not_found(id_or_prefix)
    # A range on the unique index: ids are lower-case hex, so "~" sorts after every one of them.
    rows = conn.execute(
        "SELECT id FROM badges WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", (prefix, prefix + "~")
    ).fetchall()
    exact = [row[0] for row in rows if row[0] == prefix]
    if exact:
        return str(exact[0])
    if not rows:
        raise not_found(id_or_prefix)
    if len(rows) > 1:
        raise LibraryError(
            ErrorCode.BADGE_ID_AMBIGUOUS,
            f"Several saved badges start with {prefix!r}. Type more characters of the id.",
        )
    return str(rows[0][0])


def get_badge(conn: sqlite3.Connection, badge_id: str) -> BadgeRecord:
    """The badge with exactly this id, with its sources, uploads and collections."""
    rows = conn.execute(SELECT_BADGES + "FROM badges b WHERE b.id = ?", (badge_id,))
    records = build_records(conn, rows.fetchall())
    if not records:
        raise not_found(badge_id)
    return records[0]


def exists(conn: sqlite3.Connection, badge_id: str) -> bool:
    return conn.execute("SELECT 1 FROM badges WHERE id = ?", (badge_id,)).fetchone() is not None


def get_badges(conn: sqlite3.Connection, badge_ids: list[str]) -> list[BadgeRecord]:
    """The badges with exactly these ids (those that exist), in one set of queries."""
    if not badge_ids:
        return []
    rows = conn.execute(
        SELECT_BADGES + "FROM json_each(?) AS wanted JOIN badges b ON b.id = wanted.value",
        (json.dumps(badge_ids),),
    )
    return build_records(conn, rows.fetchall())


def find_badge(
    conn: sqlite3.Connection, *, assertion_id: str | None = None, sha256: str | None = None
) -> BadgeRecord | None:
    """The badge with this assertion/credential id, else the one saved with these image bytes."""
    if assertion_id is not None:
        row = conn.execute(
            SELECT_BADGES + "FROM badges b WHERE b.assertion_id = ?", (assertion_id,)
        ).fetchone()
        if row is not None:
            return build_records(conn, [row])[0]
    if sha256 is not None:
        row = conn.execute(
            SELECT_BADGES + "FROM badges b WHERE b.image_sha256 = ? ORDER BY b.seq LIMIT 1",
            (sha256,),
        ).fetchone()
        if row is not None:
            return build_records(conn, [row])[0]
    return None


def list_badges(
    conn: sqlite3.Connection,
    *,
    indexed: bool,
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
    """One page of badges matching every filter given, and how many match in all."""
    if sort not in _SORT_COLUMNS:
        raise invalid(f"Badges can be sorted by saved_at, name or issued_on, not {sort!r}.")
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise invalid(f"A page holds 1 to {MAX_LIMIT} badges and starts at offset 0 or more.")
    joins, where, params, match = _filters(conn, indexed, status, text, collection, issuer, sort)
    if match is not None:
        where.append(_FTS_MEMBER)
        params.append(match)
    key = _SORT_COLUMNS[sort]
    if match is not None and len(where) == 1 and not joins:
        # The index and the badges change in the same transactions: its count is theirs.
        total = conn.execute(_FTS_COUNT, (match,)).fetchone()[0]
    else:
        counted = _where(joins, where, probe="")
        total = conn.execute(f"SELECT count(*) {counted}", params).fetchone()[0]
    # Many matches: walking the sort index (or the status index that ends with the sort key) and
    # testing each row finds a page sooner than fetching every match and sorting them; "+"
    # keeps SQLite off the text and issuer lookups, which would make it fetch and sort them all.
    base = _where(joins, where, probe="+" if total > SCAN_THRESHOLD else "")

    page_where, page_params = "", list(params)
    if cursor is not None:
        after_key, after_id = _decode_cursor(cursor, sort, descending)
        page_where = f" AND ({key}, b.id) {'<' if descending else '>'} (?, ?)"
        page_params += [after_key, after_id]
        offset = 0
    direction = "DESC" if descending else "ASC"
    # Order and cut the page over narrow index entries first, then read the 50 full rows.
    keys = conn.execute(
        f"SELECT b.seq, b.id, {key} AS sort_key {base}{page_where} "
        f"ORDER BY {key} {direction}, b.id {direction} LIMIT ? OFFSET ?",
        [*page_params, limit + 1, offset],
    ).fetchall()
    more = len(keys) > limit
    keys = keys[:limit]
    full = {
        row["id"]: row
        for row in conn.execute(
            SELECT_BADGES + "FROM json_each(?) AS page JOIN badges b ON b.seq = page.value",
            (json.dumps([k["seq"] for k in keys]),),
        )
    }
    rows = [full[k["id"]] for k in keys if k["id"] in full]
    next_cursor = None
    if more and keys:
        last = keys[-1]
        next_cursor = _encode_cursor(sort, descending, last["sort_key"], last["id"])
    return Page(items=build_records(conn, rows), total=total, next_cursor=next_cursor)


def _filters(
    conn: sqlite3.Connection,
    indexed: bool,
    status: Status | Sequence[Status] | None,
    text: str | None,
    collection: int | None,
    issuer: str | None,
    sort: str,
) -> tuple[str, list[str], list[Any], str | None]:
    """SQL for the filters: joins, conditions, parameters, and the FTS5 query if any."""
    joins, where, params = "", [], list[Any]()
    if collection is not None:
        if conn.execute("SELECT 1 FROM collections WHERE id = ?", (collection,)).fetchone() is None:
            raise LibraryError(
                ErrorCode.COLLECTION_NOT_FOUND,
                f"No collection has the id {collection}. List your collections to see which exist.",
            )
        joins = "JOIN collection_badges cb ON cb.badge_id = b.id AND cb.collection_id = ?"
        params.append(collection)
    elif sort == "position":
        raise invalid("Sorting by position needs a collection to take the positions from.")
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown or not statuses:
            raise invalid(f"A status filter takes {', '.join(STATUSES)}; got {unknown or '[]'}.")
        where.append(f"b.status IN ({', '.join('?' for _ in statuses)})")
        params.extend(statuses)
    if issuer is not None:
        where.append("{probe}b.issuer_id = ?")
        params.append(issuer)
    tokens = search.query_tokens(text or "")
    if tokens and indexed:
        return joins, where, params, search.fts_query(tokens)
    for pattern in search.like_patterns(tokens):
        where.append("b.search_text LIKE ? ESCAPE '\\'")
        params.append(pattern)
    return joins, where, params, None


def _where(joins: str, where: list[str], *, probe: str) -> str:
    conditions = " AND ".join(where).format(probe=probe) or "1"
    return f"FROM badges b {joins} WHERE {conditions}"


def _encode_cursor(sort: str, descending: bool, key: Any, badge_id: str) -> str:
    raw = json.dumps([sort, descending, key, badge_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str, descending: bool) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        sort_, descending_, key, badge_id = json.loads(base64.urlsafe_b64decode(padded[:4096]))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise invalid("This page cursor is damaged. Start again from the first page.") from exc
    if sort_ != sort or descending_ != descending or not isinstance(badge_id, str):
        raise invalid("This page cursor belongs to another sort order. Start from the first page.")
    in_range = isinstance(key, str) or (isinstance(key, int) and -(2**63) <= key < 2**63)
    if not in_range or isinstance(key, bool):
        raise invalid("This page cursor is damaged. Start again from the first page.")
    return key, badge_id


def sources(conn: sqlite3.Connection, badge_id: str) -> list[SourceRecord]:
    """Every recorded source of the badge, newest first."""
    rows = conn.execute("SELECT * FROM sources WHERE badge_id = ? ORDER BY id DESC", (badge_id,))
    return [source_record(row) for row in rows]


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid(f"A limit is 1 to {MAX_LIMIT}, not {limit}.")


def verifications(conn: sqlite3.Connection, badge_id: str, limit: int) -> list[VerificationRecord]:
    """The badge's stored verifications, newest first."""
    check_limit(limit)
    rows = conn.execute(
        "SELECT badge_id, status, checked_at, verdict FROM verifications WHERE badge_id = ? "
        "ORDER BY checked_at DESC, id DESC LIMIT ?",
        (badge_id, limit),
    )
    return [
        VerificationRecord(
            badge_id=row["badge_id"],
            status=cast(Status, row["status"]),
            checked_at=row["checked_at"],
            verdict=json_object(row["verdict"]),
        )
        for row in rows
    ]


def due_for_check(conn: sqlite3.Connection, checked_before: str, limit: int) -> list[BadgeRecord]:
    """Badges last verified before ``checked_before`` (ISO, UTC), the oldest check first."""
    check_limit(limit)
    rows = conn.execute(
        SELECT_BADGES + "FROM badges b WHERE b.checked_at < ? ORDER BY b.checked_at, b.id LIMIT ?",
        (checked_before, limit),
    ).fetchall()
    return build_records(conn, rows)
