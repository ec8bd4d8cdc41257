"""The library database: connections, named migrations, and the checks made when a file is opened.

Rules:
- Every connection: WAL, ``synchronous=FULL`` (a committed save survives kill -9 and power loss),
  foreign keys on, a 10 s busy timeout, autocommit mode so transactions are always explicit.
- Migrations are named, ordered and only ever appended. Each is applied inside
  ``BEGIN IMMEDIATE`` together with its row in ``schema_migrations``: a crash leaves the schema at
  the previous step, never between two.
- A file naming a migration this code does not know was written by a newer Badgekeeper: it is
  refused (LIBRARY_TOO_NEW) and left untouched.
- A file that is not SQLite, or SQLite that is not a Badgekeeper library, is never written to: a
  copy is kept beside it and LIBRARY_CORRUPT names the copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.errors import ErrorCode, LibraryError
from agent.library import check_notes, search
from agent.paths import ensure_private_dir

# Generous: a CLI writing while the agent syncs should wait its turn, not fail (a writer in a
# tight loop can hold the lock for seconds under load, since SQLite waiters poll).
BUSY_TIMEOUT_MS = 30_000
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Migration:
    """One named schema step."""

    name: str
    apply: Callable[[sqlite3.Connection], None]


def _statements(*sql: str) -> Callable[[sqlite3.Connection], None]:
    # executescript() would COMMIT the surrounding BEGIN IMMEDIATE, so run statements one by one.
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql:
            conn.execute(statement)

    return apply


_BADGES = _statements(
    # Narrow, fixed-size columns first: listing reads them for thousands of rows, and SQLite
    # reaches a column behind a long one only through overflow pages.
    """CREATE TABLE badges (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL
            CHECK (status IN ('valid', 'invalid', 'revoked', 'expired', 'error')),
        saved_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        name_key TEXT NOT NULL,
        issued_key TEXT NOT NULL,
        spec TEXT,
        format TEXT,
        payload_kind TEXT NOT NULL,
        payload_sha256 TEXT NOT NULL,
        image_sha256 TEXT,
        media_type TEXT,
        issued_on TEXT,
        expires TEXT,
        assertion_id TEXT UNIQUE,
        issuer_id TEXT,
        name TEXT,
        issuer_name TEXT,
        issuer_url TEXT,
        badge_class_id TEXT,
        image_url TEXT,
        recipient TEXT NOT NULL,
        errors TEXT NOT NULL,
        warnings TEXT NOT NULL,
        criteria TEXT,
        description TEXT
    )""",
    # The payload as embedded can be large (OB 3.0 credentials carry data URIs): its own table.
    """CREATE TABLE badge_payloads (
        seq INTEGER PRIMARY KEY REFERENCES badges (seq) ON DELETE CASCADE,
        payload TEXT NOT NULL
    )""",
    "CREATE INDEX badges_by_saved_at ON badges (saved_at, id)",
    "CREATE INDEX badges_by_name ON badges (name_key, id)",
    "CREATE INDEX badges_by_issued_on ON badges (issued_key, id)",
    "CREATE INDEX badges_by_status ON badges (status, saved_at, id)",
    "CREATE INDEX badges_by_status_name ON badges (status, name_key, id)",
    "CREATE INDEX badges_by_status_issued_on ON badges (status, issued_key, id)",
    "CREATE INDEX badges_by_issuer ON badges (issuer_id)",
    "CREATE INDEX badges_by_image ON badges (image_sha256)",
    "CREATE INDEX badges_by_payload ON badges (payload_sha256)",
    "CREATE INDEX badges_by_checked_at ON badges (checked_at)",
    """CREATE TABLE verifications (
        id INTEGER PRIMARY KEY,
        badge_id TEXT NOT NULL REFERENCES badges (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        verdict TEXT NOT NULL
    )""",
    "CREATE INDEX verifications_by_badge ON verifications (badge_id, checked_at)",
    """CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        badge_id TEXT NOT NULL REFERENCES badges (id) ON DELETE CASCADE,
        page_url TEXT,
        image_url TEXT,
        mail_subject TEXT,
        mail_sender TEXT,
        mail_date TEXT,
        saved_at TEXT NOT NULL
    )""",
    "CREATE INDEX sources_by_badge ON sources (badge_id, id)",
    """CREATE TABLE uploads (
        badge_id TEXT NOT NULL REFERENCES badges (id) ON DELETE CASCADE,
        backpack TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'uploading', 'done', 'failed')),
        remote_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (badge_id, backpack)
    )""",
    "CREATE INDEX uploads_by_state ON uploads (state, backpack, updated_at)",
    """CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        position INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE collection_badges (
        collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
        badge_id TEXT NOT NULL REFERENCES badges (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (collection_id, badge_id)
    )""",
    "CREATE INDEX collection_badges_by_badge ON collection_badges (badge_id)",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def _badge_search(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE badges ADD COLUMN search_text TEXT NOT NULL DEFAULT ''")
    for (badge_id,) in conn.execute("SELECT id FROM badges").fetchall():
        search.refresh_search_text(conn, badge_id, indexed=False)
    search.create_search_index(conn)


_UPLOAD_QUEUE = _statements(
    # When a queued upload may next be tried (backoff), and the badge's public page at the
    # backpack once it is there (what share links point to).
    "ALTER TABLE uploads ADD COLUMN next_attempt_at TEXT",
    "ALTER TABLE uploads ADD COLUMN public_url TEXT",
)


def _check_notes(conn: sqlite3.Connection) -> None:
    # What the last background check said beyond the verdict (see check_notes.py).
    conn.execute("ALTER TABLE badges ADD COLUMN unreachable TEXT")
    conn.execute("ALTER TABLE badges ADD COLUMN expiring_announced TEXT")
    conn.execute("CREATE INDEX badges_unreachable ON badges (id) WHERE unreachable IS NOT NULL")
    check_notes.move_settings_notes(conn)


# The backpack a badge was pulled from (sync's pull), so the popup can say so.
_SOURCE_BACKPACK = _statements("ALTER TABLE sources ADD COLUMN backpack TEXT")


MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_badges", _BADGES),
    Migration("0002_badge_search", _badge_search),
    Migration("0003_upload_queue", _UPLOAD_QUEUE),
    Migration("0004_check_notes", _check_notes),
    Migration("0005_source_backpack", _SOURCE_BACKPACK),
)


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with the library's pragmas (usable from the thread that is handed it)."""
    try:
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise unavailable(path, exc) from exc
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise corrupt(path, "SQLite refused to open it") from exc
    return conn


def open_writer(path: Path, migrations: Sequence[Migration] = MIGRATIONS) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the library; the connection is the writer."""
    try:
        ensure_private_dir(path.parent)
    except OSError as exc:
        raise unavailable(path, exc) from exc
    _check_header(path)
    _create_private(path)
    conn = connect(path)
    try:
        _check_ours(conn, path)
        _pending(conn, path, migrations)  # refuses a newer library before anything is written
        _enable_wal(conn)
        migrate(conn, path, migrations)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise translate(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise corrupt(path, "SQLite cannot read it") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, retrying while another process does the same.

    Changing the journal mode needs an exclusive lock, and SQLite answers "database is locked"
    at once instead of calling the busy handler, so two processes opening a new library together
    (the CLI and the agent) would otherwise fail.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def migrate(
    conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration] = MIGRATIONS
) -> list[str]:
    """Apply the migrations not yet applied, in order; return their names."""
    if _pending(conn, path, migrations) == []:
        return []  # the common case: no write lock taken at all
    conn.execute("BEGIN IMMEDIATE")
    try:
        _check_ours(conn, path)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
        )
        pending = _pending(conn, path, migrations)
        for migration in pending:
            migration.apply(conn)
            conn.execute(
                "INSERT INTO schema_migrations (name, applied_at) "
                "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (migration.name,),
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may already have rolled back (disk full, I/O error)
            conn.execute("ROLLBACK")
        raise
    return [migration.name for migration in pending]


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """The names recorded in ``schema_migrations``, in the order they were applied."""
    if not _has_table(conn, "schema_migrations"):
        return []
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY id")]


def _pending(
    conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration]
) -> list[Migration]:
    applied = applied_migrations(conn)
    known = {migration.name for migration in migrations}
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise LibraryError(
            ErrorCode.LIBRARY_TOO_NEW,
            f"The badge library {path} was written by a newer Badgekeeper (it has schema step "
            f"{unknown[-1]!r}). Upgrade Badgekeeper to open it; your badges are untouched.",
        )
    return [migration for migration in migrations if migration.name not in applied]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _check_ours(conn: sqlite3.Connection, path: Path) -> None:
    """An empty database or one with ``schema_migrations``; anything else is someone else's."""
    if _has_table(conn, "schema_migrations"):
        return
    if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None:
        raise corrupt(path, "it is a SQLite database of another program")


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise unavailable(path, exc) from exc
    if header and header != SQLITE_HEADER:
        raise corrupt(path, "it is not a SQLite database")


def _create_private(path: Path) -> None:
    # SQLite gives -wal and -shm the main file's mode, so creating it 0600 keeps all three private.
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        if os.name != "nt":
            os.chmod(path, 0o600)
    except OSError as exc:
        raise unavailable(path, exc) from exc


def keep_copy(path: Path) -> Path | None:
    """Copy a damaged library (and its WAL) beside it, named by content so repeats add nothing."""
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        backup = path.with_name(f"{path.name}.corrupt-{digest.hexdigest()[:12]}")
        if not backup.exists():
            shutil.copyfile(path, backup)
            os.chmod(backup, 0o600)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, backup.with_name(backup.name + "-wal"))
    except OSError:
        return None
    return backup


def corrupt(path: Path, why: str) -> LibraryError:
    """LIBRARY_CORRUPT for ``path``, after keeping a copy of it."""
    backup = keep_copy(path)
    kept = f"A copy was kept at {backup}. " if backup else "No copy could be made. "
    return LibraryError(
        ErrorCode.LIBRARY_CORRUPT,
        f"The badge library {path} cannot be used: {why}. {kept}Move {path.name} away (or "
        "restore a backup) and Badgekeeper starts a new library.",
    )


def unavailable(path: Path, exc: BaseException) -> LibraryError:
    return LibraryError(
        ErrorCode.LIBRARY_UNAVAILABLE,
        f"The badge library {path} could not be opened or written ({exc}). Check free disk "
        "space and the permissions of its folder.",
    )


def translate(path: Path, exc: sqlite3.Error) -> LibraryError:
    """Our error for a sqlite3 exception raised while using the library at ``path``."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return LibraryError(
            ErrorCode.LIBRARY_BUSY,
            "The badge library stayed locked by another Badgekeeper process for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s. Try again in a moment.",
        )
    damaged = "malformed" in text or "not a database" in text or "corrupt" in text
    if damaged and not isinstance(exc, sqlite3.OperationalError):
        return corrupt(path, f"SQLite reports {exc}")
    return unavailable(path, exc)
