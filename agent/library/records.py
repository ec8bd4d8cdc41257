"""Rows to typed records: a badge with its sources, uploads and collections, in few queries.

Rules:
- Records for any number of rows cost four queries: the rows, then sources, uploads and
  collections for all of them at once (no N+1).
- Our JSON columns are read leniently: a hand-edited value must not take the popup down.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from agent.library.check_notes import read_unreachable
from agent.library.models import (
    BadgeRecord,
    CollectionRef,
    SourceRecord,
    UploadRecord,
    UploadState,
)
from agent.verify.result import Status


def build_records(conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[BadgeRecord]:
    """Records for ``rows``; sources, uploads and collections fetched in one query each."""
    if not rows:
        return []
    ids = json.dumps([row["id"] for row in rows])
    sources: dict[str, list[SourceRecord]] = defaultdict(list)
    for row in conn.execute(
        "SELECT * FROM sources WHERE badge_id IN (SELECT value FROM json_each(?)) ORDER BY id DESC",
        (ids,),
    ):
        sources[row["badge_id"]].append(source_record(row))
    uploads: dict[str, list[UploadRecord]] = defaultdict(list)
    for row in conn.execute(
        "SELECT * FROM uploads WHERE badge_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY backpack",
        (ids,),
    ):
        uploads[row["badge_id"]].append(upload_record(row))
    collections: dict[str, list[CollectionRef]] = defaultdict(list)
    for row in conn.execute(
        "SELECT cb.badge_id, c.id, c.name FROM collection_badges cb "
        "JOIN collections c ON c.id = cb.collection_id "
        "WHERE cb.badge_id IN (SELECT value FROM json_each(?)) ORDER BY c.position",
        (ids,),
    ):
        collections[row["badge_id"]].append(CollectionRef(id=row["id"], name=row["name"]))
    return [
        _badge_record(row, sources[row["id"]], uploads[row["id"]], collections[row["id"]])
        for row in rows
    ]


def _badge_record(
    row: sqlite3.Row,
    sources: list[SourceRecord],
    uploads: list[UploadRecord],
    collections: list[CollectionRef],
) -> BadgeRecord:
    return BadgeRecord(
        id=row["id"],
        assertion_id=row["assertion_id"],
        spec=row["spec"],
        format=row["format"],
        payload=row["payload"],
        payload_kind=row["payload_kind"],
        sha256=row["image_sha256"],
        media_type=row["media_type"],
        name=row["name"],
        description=row["description"],
        criteria=row["criteria"],
        image_url=row["image_url"],
        issuer_id=row["issuer_id"],
        issuer_name=row["issuer_name"],
        issuer_url=row["issuer_url"],
        badge_class_id=row["badge_class_id"],
        issued_on=row["issued_on"],
        expires=row["expires"],
        status=cast(Status, row["status"]),
        checked_at=row["checked_at"],
        errors=tuple(_json_list(row["errors"])),
        warnings=tuple(_json_list(row["warnings"])),
        recipient=json_object(row["recipient"]),
        saved_at=row["saved_at"],
        updated_at=row["updated_at"],
        unreachable=read_unreachable(row["unreachable"]),
        expiring_announced=row["expiring_announced"],
        sources=tuple(sources),
        uploads=tuple(uploads),
        collections=tuple(collections),
    )


def _json_list(text: str) -> list[dict[str, str]]:
    # Our own column; a hand-edited value must not take the popup down with it.
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def source_record(row: sqlite3.Row) -> SourceRecord:
    return SourceRecord(
        page_url=row["page_url"],
        image_url=row["image_url"],
        mail_subject=row["mail_subject"],
        mail_sender=row["mail_sender"],
        mail_date=row["mail_date"],
        saved_at=row["saved_at"],
        backpack=row["backpack"],
    )


def upload_record(row: sqlite3.Row) -> UploadRecord:
    return UploadRecord(
        badge_id=row["badge_id"],
        backpack=row["backpack"],
        state=cast(UploadState, row["state"]),
        remote_id=row["remote_id"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        updated_at=row["updated_at"],
        next_attempt_at=row["next_attempt_at"],
        public_url=row["public_url"],
    )
