"""Settings kept in the library: JSON values by key, and the user's e-mail addresses.

Rules:
- Values are JSON; a key and a value are bounded in size.
- The addresses live under the key ``emails`` as entered; they are compared casefolded, so the
  same address in other case is not added twice and can be removed in any case.
- Every function runs inside the caller's transaction (writes inside ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from agent.errors import ErrorCode, LibraryError

EMAILS_KEY = "emails"
MAX_KEY_CHARS = 200
MAX_VALUE_CHARS = 64 * 1024
MAX_EMAIL_CHARS = 320
MAX_EMAILS = 100


def _invalid(message: str) -> LibraryError:
    return LibraryError(ErrorCode.INVALID_ARGUMENT, message)


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_CHARS:
        raise _invalid(f"A setting's name needs 1 to {MAX_KEY_CHARS} characters.")


def get(conn: sqlite3.Connection, key: str) -> Any:
    """The setting's value, or None when it is not set."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0])
    except ValueError:
        return None  # a hand-edited value reads as unset rather than failing every caller


def all_settings(conn: sqlite3.Connection) -> dict[str, Any]:
    return {key: get(conn, key) for (key,) in conn.execute("SELECT key FROM settings ORDER BY key")}


def put(conn: sqlite3.Connection, key: str, value: Any) -> None:
    """Set a setting to a JSON value (``emails`` has its own functions)."""
    _check_key(key)
    if key == EMAILS_KEY:
        raise _invalid("E-mail addresses are changed with add_email and remove_email.")
    _store(conn, key, value)


def _store(conn: sqlite3.Connection, key: str, value: Any) -> None:
    try:
        text = json.dumps(value, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise _invalid(f"The value of {key!r} cannot be stored as JSON ({exc}).") from exc
    if len(text) > MAX_VALUE_CHARS:
        raise _invalid(f"The value of {key!r} is larger than {MAX_VALUE_CHARS} characters.")
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, text),
    )


def remove(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM settings WHERE key = ?", (key,))


def emails(conn: sqlite3.Connection) -> list[str]:
    """The user's addresses as entered, in the order added."""
    value = get(conn, EMAILS_KEY)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def normalise_email(address: str) -> str:
    """The form addresses are compared in."""
    return address.strip().casefold()


def add_email(conn: sqlite3.Connection, address: str) -> list[str]:
    """Add an address (a no-op when it is there in any case); return the addresses."""
    shown = address.strip()
    local, at, domain = shown.rpartition("@")
    if (
        not at
        or not local
        or not domain
        or len(shown) > MAX_EMAIL_CHARS
        or any(ch.isspace() or not ch.isprintable() for ch in shown)
    ):
        raise _invalid(f"{address[:80]!r} is not an e-mail address. Enter it as name@example.org.")
    current = emails(conn)
    if normalise_email(shown) in {normalise_email(item) for item in current}:
        return current
    if len(current) >= MAX_EMAILS:
        raise _invalid(f"Badgekeeper keeps at most {MAX_EMAILS} addresses. Remove one first.")
    current.append(shown)
    _store(conn, EMAILS_KEY, current)
    return current


def remove_email(conn: sqlite3.Connection, address: str) -> list[str]:
    """Remove an address, compared casefolded (absent is fine); return the addresses."""
    wanted = normalise_email(address)
    current = emails(conn)
    kept = [item for item in current if normalise_email(item) != wanted]
    if kept != current:
        _store(conn, EMAILS_KEY, kept)
    return kept
