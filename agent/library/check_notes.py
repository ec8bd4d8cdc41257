"""What the last background check said about a badge beyond its verdict: kept on the badge row.

Rules:
- ``unreachable`` is the last check that could not reach the issuer (``at``, ``code``,
  ``message``, as JSON): the badge kept its last verdict. A verdict recorded later clears it
  (``saving.apply_verdict``); a note is never older than the verdict it sits beside.
- ``expiring_announced`` is the expiry date a ``badge.expiring`` event was sent for, so the
  event is sent once per date.
- Both columns live on the badge, so a deleted badge takes its note with it and listing a page
  of badges reads them with no extra query.
- Version 0.1 kept these notes as ``sync.note:<badge id>`` settings; migration
  ``0004_check_notes`` moves them here (:func:`move_settings_notes`).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

MAX_MESSAGE_CHARS = 500
MAX_CODE_CHARS = 64
_OLD_PREFIX = "sync.note:"


def unreachable_json(at: str, code: str, message: str) -> str:
    """The stored form of an unreachable note (bounded: a message comes from the network)."""
    return json.dumps(
        {"at": at[:64], "code": code[:MAX_CODE_CHARS], "message": message[:MAX_MESSAGE_CHARS]},
        ensure_ascii=True,
    )


def read_unreachable(text: str | None) -> dict[str, str] | None:
    """The note as a dict of three strings, or None (absent, or not readable as one)."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    fields = {key: value.get(key) for key in ("at", "code", "message")}
    if not all(isinstance(field, str) for field in fields.values()):
        return None
    return {key: str(field) for key, field in fields.items()}


def set_note(
    conn: sqlite3.Connection,
    badge_id: str,
    unreachable: dict[str, str] | None,
    expiring_announced: str | None,
) -> bool:
    """Store both parts of the note; False when the badge is gone."""
    stored = (
        None
        if unreachable is None
        else unreachable_json(unreachable["at"], unreachable["code"], unreachable["message"])
    )
    cursor = conn.execute(
        "UPDATE badges SET unreachable = ?, expiring_announced = ? WHERE id = ?",
        (stored, expiring_announced[:64] if expiring_announced else None, badge_id),
    )
    return cursor.rowcount == 1


def unreachable_ids(conn: sqlite3.Connection, limit: int) -> list[tuple[str, dict[str, str]]]:
    """Badges whose last check could not reach their issuer, with the note (by badge id)."""
    rows = conn.execute(
        "SELECT id, unreachable FROM badges WHERE unreachable IS NOT NULL ORDER BY id LIMIT ?",
        (limit,),
    ).fetchall()
    found = []
    for badge_id, text in rows:
        note = read_unreachable(text)
        if note is not None:
            found.append((str(badge_id), note))
    return found


def move_settings_notes(conn: sqlite3.Connection) -> None:
    """Migration step: notes kept as settings by version 0.1 move onto their badges."""
    rows = conn.execute(
        "SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?",
        (len(_OLD_PREFIX), _OLD_PREFIX),
    ).fetchall()
    for key, text in rows:
        old = _old_note(text)
        unreachable = read_unreachable(json.dumps(old.get("unreachable")))
        announced = old.get("expiring_announced")
        set_note(
            conn,
            str(key).removeprefix(_OLD_PREFIX),
            unreachable,
            announced if isinstance(announced, str) else None,
        )
    conn.execute(
        "DELETE FROM settings WHERE substr(key, 1, ?) = ?", (len(_OLD_PREFIX), _OLD_PREFIX)
    )


def _old_note(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
