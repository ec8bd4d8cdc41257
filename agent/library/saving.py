"""The rows a save writes: a new badge or the existing one, its source, its verification.

Rules:
- One badge per assertion/credential id, else per image bytes, else per payload: saving again
  adds a source and a verification to the badge already there.
- A badge's id is the first 12 hex of SHA-256 over its assertion/credential id (over the image
  bytes, or the payload, when there is none), lengthened only if another badge holds it already.
- The badge's current status, errors and recipient come from its newest verification; an older
  verdict arriving late is kept in the history but changes nothing else.
- The history records changes: a verdict with the newest one's status, error and warning codes
  replaces it (time and report) instead of adding a row, so years of daily re-checks of a
  valid badge cost one row, not thousands of kilobytes.
- Text from badges is untrusted: lone surrogates are replaced, text is capped, and a link too
  long to be real is dropped (cut, it would mislead) before SQLite sees any of it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import unicodedata
from datetime import datetime, timezone
from typing import Any

from agent.library.models import SourceInfo
from agent.verify.result import Verdict

ID_LENGTH = 12
MAX_VERIFICATIONS_KEPT = 100  # per badge; sync re-checks forever, the history must not grow so
MAX_URL_CHARS = 8192
MAX_SHORT_CHARS = 1000
MAX_LONG_CHARS = 20_000


def iso(moment: datetime) -> str:
    """A fixed-width UTC timestamp, so stored times sort as text."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clean(value: str | None, limit: int) -> str | None:
    """Text SQLite can store (no lone surrogates), capped at ``limit`` characters."""
    if value is None:
        return None
    text = value[:limit].encode("utf-8", "replace").decode("utf-8")
    return text or None


def clean_url(value: str | None) -> str | None:
    """A link SQLite can store, or None when it is too long to be one (cut, it would mislead)."""
    if value is None or len(value) > MAX_URL_CHARS:
        return None
    return clean(value, MAX_URL_CHARS)


def name_key(name: str) -> str:
    """The key names sort by, the way people read them: no case, no accents (É with E)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_LOOKUPS = (
    "SELECT id, assertion_id, image_sha256 FROM badges WHERE assertion_id = ?",
    "SELECT id, assertion_id, image_sha256 FROM badges WHERE image_sha256 = ? ORDER BY seq",
    "SELECT id, assertion_id, image_sha256 FROM badges WHERE payload_sha256 = ? ORDER BY seq",
)


def existing_badge(
    conn: sqlite3.Connection, assertion_id: str | None, image_sha: str | None, payload_sha: str
) -> sqlite3.Row | None:
    """The badge this save is another copy of, if any."""
    for sql, value in zip(_LOOKUPS, (assertion_id, image_sha, payload_sha), strict=True):
        if value is None:
            continue
        row: sqlite3.Row | None = conn.execute(sql, (value,)).fetchone()
        if row is not None:
            return row
    return None


def new_badge_id(conn: sqlite3.Connection, basis: str) -> str:
    """The shortest free id from ``basis`` (a SHA-256 hex), starting at 12 characters."""
    for length in range(ID_LENGTH, len(basis) + 1, 4):
        candidate = basis[:length]
        if conn.execute("SELECT 1 FROM badges WHERE id = ?", (candidate,)).fetchone() is None:
            return candidate
    # 64 hex characters taken means the same basis was saved twice, which existing_badge prevents.
    return basis + hashlib.sha256(basis.encode()).hexdigest()[:8]


def id_basis(assertion_id: str | None, image_sha: str | None, payload_sha: str) -> str:
    if assertion_id is not None:
        return hashlib.sha256(assertion_id.encode("utf-8")).hexdigest()
    return image_sha or payload_sha


def insert_badge(
    conn: sqlite3.Connection,
    *,
    badge_id: str,
    assertion_id: str | None,
    payload: str,
    payload_kind: str,
    payload_sha: str,
    image_sha: str | None,
    media_type: str | None,
    verdict: Verdict,
    now: str,
) -> None:
    """A new badge row; its status and summary are then set by ``apply_verdict``."""
    cursor = conn.execute(
        "INSERT INTO badges (id, assertion_id, payload_kind, payload_sha256, image_sha256, "
        "media_type, name_key, issued_key, recipient, errors, warnings, status, checked_at, "
        "saved_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, '', '', '{}', '[]', '[]', 'error', '', ?, ?)",
        (badge_id, assertion_id, payload_kind, payload_sha, image_sha, media_type, now, now),
    )
    conn.execute(
        "INSERT INTO badge_payloads (seq, payload) VALUES (?, ?)", (cursor.lastrowid, payload)
    )
    apply_verdict(conn, badge_id, verdict, now)


def attach(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    assertion_id: str | None,
    image_sha: str | None,
    media_type: str | None,
    now: str,
) -> None:
    """Fill in what an earlier save of this badge lacked (its id, its image)."""
    if row["assertion_id"] is None and assertion_id is not None:
        taken = conn.execute(
            "SELECT 1 FROM badges WHERE assertion_id = ?", (assertion_id,)
        ).fetchone()
        if taken is None:
            conn.execute(
                "UPDATE badges SET assertion_id = ?, updated_at = ? WHERE id = ?",
                (assertion_id, now, row["id"]),
            )
    if row["image_sha256"] is None and image_sha is not None:
        conn.execute(
            "UPDATE badges SET image_sha256 = ?, media_type = ?, updated_at = ? WHERE id = ?",
            (image_sha, media_type, now, row["id"]),
        )


def add_source(conn: sqlite3.Connection, badge_id: str, source: SourceInfo, now: str) -> None:
    conn.execute(
        "INSERT INTO sources (badge_id, page_url, image_url, mail_subject, mail_sender, "
        "mail_date, backpack, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            badge_id,
            clean_url(source.page_url),
            clean_url(source.image_url),
            clean(source.mail_subject, MAX_SHORT_CHARS),
            clean(source.mail_sender, MAX_SHORT_CHARS),
            clean(source.mail_date, MAX_SHORT_CHARS),
            clean(source.backpack, MAX_SHORT_CHARS),
            now,
        ),
    )


_UPDATE_CURRENT = """
    UPDATE badges SET
        status = :status, checked_at = :checked_at, errors = :errors, warnings = :warnings,
        recipient = :recipient, updated_at = :now, unreachable = NULL,
        spec = coalesce(:spec, spec),
        format = coalesce(:format, format),
        name = coalesce(:name, name),
        name_key = coalesce(:name_key, name_key),
        description = coalesce(:description, description),
        criteria = coalesce(:criteria, criteria),
        image_url = coalesce(:image_url, image_url),
        issuer_id = coalesce(:issuer_id, issuer_id),
        issuer_name = coalesce(:issuer_name, issuer_name),
        issuer_url = coalesce(:issuer_url, issuer_url),
        badge_class_id = coalesce(:badge_class_id, badge_class_id),
        issued_on = coalesce(:issued_on, issued_on),
        issued_key = coalesce(:issued_key, issued_key),
        expires = coalesce(:expires, expires)
    WHERE id = :id
"""


def _findings(report: dict[str, Any]) -> tuple[Any, ...]:
    def codes(key: str) -> list[Any]:
        found = report.get(key)
        return (
            [f.get("code") for f in found if isinstance(f, dict)] if isinstance(found, list) else []
        )

    return (report.get("status"), codes("errors"), codes("warnings"))


def _same_findings(stored: str, report: dict[str, Any]) -> bool:
    """True when a stored verdict has the new one's status, error codes and warning codes."""
    try:
        previous = json.loads(stored)
    except ValueError:
        return False
    return isinstance(previous, dict) and _findings(previous) == _findings(report)


def apply_verdict(conn: sqlite3.Connection, badge_id: str, verdict: Verdict, now: str) -> None:
    """Store the verification; make it the badge's current state when it is the newest."""
    checked_at = iso(verdict.checked_at)
    report = verdict.to_json()
    stored = json.dumps(report, ensure_ascii=True)
    newest = conn.execute(
        "SELECT id, status, checked_at, verdict FROM verifications WHERE badge_id = ? "
        "ORDER BY checked_at DESC, id DESC LIMIT 1",
        (badge_id,),
    ).fetchone()
    if (
        newest is not None
        and newest[1] == verdict.status  # cheap first: most changes change the status
        and newest[2] <= checked_at
        and _same_findings(newest[3], report)
    ):
        # A re-check that found what the newest one found refreshes it rather than adding a
        # row: the history keeps changes, not the thousandth identical "valid".
        conn.execute(
            "UPDATE verifications SET checked_at = ?, verdict = ? WHERE id = ?",
            (checked_at, stored, newest[0]),
        )
    else:
        conn.execute(
            "INSERT INTO verifications (badge_id, status, checked_at, verdict) VALUES (?, ?, ?, ?)",
            (badge_id, verdict.status, checked_at, stored),
        )
    conn.execute(
        "DELETE FROM verifications WHERE badge_id = ? AND id NOT IN (SELECT id FROM "
        "verifications WHERE badge_id = ? ORDER BY checked_at DESC, id DESC LIMIT ?)",
        (badge_id, badge_id, MAX_VERIFICATIONS_KEPT),
    )
    current = conn.execute("SELECT checked_at FROM badges WHERE id = ?", (badge_id,)).fetchone()
    if current is None or current[0] > checked_at:
        return
    badge = verdict.badge
    summary: dict[str, str | None] = {
        "spec": verdict.spec,
        "format": verdict.format,
        "name": clean(badge.name, MAX_SHORT_CHARS),
        "description": clean(badge.description, MAX_LONG_CHARS),
        "criteria": clean(badge.criteria, MAX_LONG_CHARS),
        "image_url": clean_url(badge.image),
        "issuer_id": clean_url(badge.issuer_id),
        "issuer_name": clean(badge.issuer_name, MAX_SHORT_CHARS),
        "issuer_url": clean_url(badge.issuer_url),
        "badge_class_id": clean_url(badge.badge_class_id),
        "issued_on": clean(badge.issued_on, 64),
        "expires": clean(badge.expires, 64),
    }
    # A verdict that could not fetch the badge class must not blank what an earlier one found:
    # every summary column keeps its value when the new one is NULL.
    summary["name_key"] = None if summary["name"] is None else name_key(summary["name"])
    summary["issued_key"] = summary["issued_on"]
    conn.execute(
        _UPDATE_CURRENT,
        {
            **summary,
            "status": verdict.status,
            "checked_at": checked_at,
            "errors": json.dumps(report["errors"], ensure_ascii=True),
            "warnings": json.dumps(report["warnings"], ensure_ascii=True),
            "recipient": json.dumps(report["recipient"], ensure_ascii=True),
            "now": now,
            "id": badge_id,
        },
    )
