"""Text search over the library: an FTS5 index when SQLite has it, ``LIKE`` when it does not.

Rules:
- Each badge keeps ``search_text`` (casefolded name, description, issuer, mail subjects and
  senders); the FTS5 table ``badge_search`` mirrors it by ``badges.seq`` and is rewritten in the
  same transaction as any change to those fields, so it is never stale.
- A query is split into word tokens; every token must match (FTS5: as a word prefix; ``LIKE``: as
  a substring). Tokens are built from ``\\w`` characters only, so no query syntax gets through.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

MAX_QUERY_CHARS = 200
MAX_TOKENS = 16
_TOKEN = re.compile(r"\w+")


def fts5_available(conn: sqlite3.Connection) -> bool:
    """True when this SQLite can create FTS5 tables."""
    row = conn.execute(
        "SELECT 1 FROM pragma_compile_options WHERE compile_options = 'ENABLE_FTS5'"
    ).fetchone()
    return row is not None


def search_index_usable(conn: sqlite3.Connection) -> bool:
    """True when the FTS5 table exists and this SQLite can read it."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'badge_search'"
    ).fetchone()
    if exists is None:
        return False
    try:
        conn.execute("SELECT rowid FROM badge_search LIMIT 0").fetchall()
    except sqlite3.OperationalError:
        # Written by a SQLite with FTS5, opened by one without: fall back to LIKE.
        return False
    return True


def search_text(parts: Iterable[str | None]) -> str:
    """The text a badge is found by, casefolded once here so queries need not."""
    # Duplicates (the same mail saved twice) add nothing to a match.
    return " ".join(dict.fromkeys(part for part in parts if part)).casefold()


def query_tokens(text: str) -> list[str]:
    """The word tokens of a user's query (bounded in number and length)."""
    return _TOKEN.findall(text[:MAX_QUERY_CHARS].casefold())[:MAX_TOKENS]


def fts_query(tokens: list[str]) -> str:
    """An FTS5 MATCH expression requiring every token as a word prefix."""
    return " ".join(f'"{token}"*' for token in tokens)


def like_patterns(tokens: list[str]) -> list[str]:
    """``LIKE`` patterns (escape character ``\\``), one per token."""
    escaped = (t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for t in tokens)
    return [f"%{token}%" for token in escaped]


def refresh_search_text(conn: sqlite3.Connection, badge_id: str, *, indexed: bool) -> None:
    """Recompute one badge's ``search_text`` (and FTS5 row when ``indexed``), inside a write."""
    row = conn.execute(
        "SELECT seq, name, description, issuer_name FROM badges WHERE id = ?", (badge_id,)
    ).fetchone()
    if row is None:
        return
    seq, name, description, issuer_name = row
    mails = conn.execute(
        "SELECT mail_subject, mail_sender FROM sources WHERE badge_id = ?", (badge_id,)
    ).fetchall()
    text = search_text([name, description, issuer_name, *(part for mail in mails for part in mail)])
    conn.execute("UPDATE badges SET search_text = ? WHERE seq = ?", (text, seq))
    if indexed:
        conn.execute("DELETE FROM badge_search WHERE rowid = ?", (seq,))
        conn.execute("INSERT INTO badge_search (rowid, text) VALUES (?, ?)", (seq, text))


def drop_from_index(conn: sqlite3.Connection, seq: int) -> None:
    conn.execute("DELETE FROM badge_search WHERE rowid = ?", (seq,))


def create_search_index(conn: sqlite3.Connection) -> None:
    """Create the FTS5 table (when SQLite has FTS5) and fill it from ``badges.search_text``."""
    if not fts5_available(conn):
        return
    conn.execute(
        "CREATE VIRTUAL TABLE badge_search USING fts5("
        "text, tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute("INSERT INTO badge_search (rowid, text) SELECT seq, search_text FROM badges")
