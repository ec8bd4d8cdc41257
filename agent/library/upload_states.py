"""Upload state per (badge, backpack), and the rules that move it.

Rules:
- One row per (badge, backpack). ``uploading`` counts an attempt; ``queued`` after ``done`` or
  ``failed`` is a new request and starts the count again; ``done`` clears the last error.
- A remote id and a public URL, once known, are kept until new ones are given.
- ``next_attempt_at`` belongs to a queued upload (its backoff); any other state clears it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from agent.library import saving
from agent.library.models import UPLOAD_STATES, UploadRecord, UploadState
from agent.library.queries import check_limit, invalid
from agent.library.records import upload_record

MAX_BACKPACK_CHARS = 200


def set_state(
    conn: sqlite3.Connection,
    badge_id: str,
    backpack: str,
    state: UploadState,
    remote_id: str | None,
    error: str | None,
    now: str,
    *,
    public_url: str | None = None,
    next_attempt_at: str | None = None,
) -> UploadRecord:
    """Move the upload of ``badge_id`` to ``backpack`` into ``state`` (inside a write)."""
    if state not in UPLOAD_STATES:
        raise invalid(f"An upload state is one of {', '.join(UPLOAD_STATES)}.")
    if not backpack or len(backpack) > MAX_BACKPACK_CHARS:
        raise invalid(f"A backpack name needs 1 to {MAX_BACKPACK_CHARS} characters.")
    if remote_id is not None and saving.clean_url(remote_id) is None:
        raise invalid("The backpack's id for this badge is too long to keep.")
    if public_url is not None and saving.clean_url(public_url) is None:
        raise invalid("The badge's public URL at the backpack is too long to keep.")
    old = conn.execute(
        "SELECT * FROM uploads WHERE badge_id = ? AND backpack = ?", (badge_id, backpack)
    ).fetchone()
    attempts = 0 if old is None else int(old["attempts"])
    if state == "uploading":
        attempts += 1
    elif state == "queued" and old is not None and old["state"] in ("done", "failed"):
        attempts = 0
    last_error = None if old is None else old["last_error"]
    if error is not None:
        last_error = saving.clean(error, saving.MAX_SHORT_CHARS)
    elif state == "done":
        last_error = None
    remote = saving.clean_url(remote_id)
    if remote is None and old is not None:
        remote = old["remote_id"]
    public = saving.clean_url(public_url)
    if public is None and old is not None:
        public = old["public_url"]
    next_attempt = saving.clean(next_attempt_at, 64) if state == "queued" else None
    conn.execute(
        "INSERT INTO uploads (badge_id, backpack, state, remote_id, attempts, last_error, "
        "updated_at, next_attempt_at, public_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (badge_id, backpack) DO UPDATE SET state = excluded.state, "
        "remote_id = excluded.remote_id, attempts = excluded.attempts, "
        "last_error = excluded.last_error, updated_at = excluded.updated_at, "
        "next_attempt_at = excluded.next_attempt_at, public_url = excluded.public_url",
        (badge_id, backpack, state, remote, attempts, last_error, now, next_attempt, public),
    )
    return upload(conn, badge_id, backpack)


def uploads(conn: sqlite3.Connection, badge_id: str) -> list[UploadRecord]:
    rows = conn.execute("SELECT * FROM uploads WHERE badge_id = ? ORDER BY backpack", (badge_id,))
    return [upload_record(row) for row in rows]


def upload(conn: sqlite3.Connection, badge_id: str, backpack: str) -> UploadRecord:
    row = conn.execute(
        "SELECT * FROM uploads WHERE badge_id = ? AND backpack = ?", (badge_id, backpack)
    ).fetchone()
    if row is None:
        raise invalid(f"Badge {badge_id} has no upload to {backpack[:60]!r}.")
    return upload_record(row)


def uploads_in_state(
    conn: sqlite3.Connection, state: UploadState, backpack: str | None, limit: int
) -> list[UploadRecord]:
    """Uploads in ``state`` (optionally to one backpack), the longest waiting first."""
    if state not in UPLOAD_STATES:
        raise invalid(f"An upload state is one of {', '.join(UPLOAD_STATES)}, not {state!r}.")
    check_limit(limit)
    sql = "SELECT * FROM uploads WHERE state = ?"
    params: list[Any] = [state]
    if backpack is not None:
        sql += " AND backpack = ?"
        params.append(backpack)
    rows = conn.execute(sql + " ORDER BY updated_at, badge_id LIMIT ?", [*params, limit])
    return [upload_record(row) for row in rows]
