"""Opening the library: pragmas, migrations, a newer schema, a damaged or foreign file."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from agent.errors import ErrorCode, LibraryError
from agent.library import Library, schema
from agent.library.schema import MIGRATIONS, applied_migrations, migrate
from agent.paths import ensure_private_dir, resolve_paths


def db_path() -> Path:
    path = resolve_paths().library_db
    ensure_private_dir(path.parent)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def insert_old_badge(raw: sqlite3.Connection) -> None:
    """One badge row as the first migration's schema has it (id 0123456789ab)."""
    raw.execute(
        "INSERT INTO badges (id, assertion_id, payload_kind, payload_sha256, name, name_key, "
        "issued_key, recipient, errors, warnings, status, checked_at, saved_at, updated_at) "
        "VALUES ('0123456789ab', 'https://issuer.example/a/old', 'assertion-json', 'x', "
        "'Old Badge', 'old badge', '', '{}', '[]', '[]', 'valid', "
        "'2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z', "
        "'2025-01-01T00:00:00.000000Z')"
    )
    raw.execute("INSERT INTO badge_payloads (seq, payload) VALUES (1, '{}')")


def test_new_library_uses_wal_and_records_every_migration(library: Library) -> None:
    """A new library is WAL with foreign keys, every migration recorded in order."""
    with sqlite3.connect(db_path()) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert applied_migrations(raw) == [m.name for m in MIGRATIONS]
    assert library.integrity_errors() == []


def test_library_at_previous_migration_is_migrated() -> None:
    """A database made at the first migration with a badge in it gets the later ones, usable."""
    path = db_path()
    raw = sqlite3.connect(path, isolation_level=None)
    assert migrate(raw, path, MIGRATIONS[:1]) == [m.name for m in MIGRATIONS[:1]]
    insert_old_badge(raw)
    raw.execute(
        "INSERT INTO sources (badge_id, mail_subject, saved_at) VALUES "
        "('0123456789ab', 'Welcome aboard', '2025-01-01T00:00:00.000000Z')"
    )
    raw.close()
    with Library() as library:
        assert library.get("0123").name == "Old Badge"
        assert library.get("0123").payload == "{}"
        assert [b.id for b in library.list_badges(text="welcome").items] == ["0123456789ab"]
        assert [b.id for b in library.list_badges(text="old").items] == ["0123456789ab"]
    with sqlite3.connect(path) as again:
        assert applied_migrations(again) == [m.name for m in MIGRATIONS]


def test_sync_notes_kept_as_settings_move_onto_their_badges() -> None:
    """0004 moves 0.1's ``sync.note:<id>`` settings onto the badge rows and drops the settings."""
    path = db_path()
    raw = sqlite3.connect(path, isolation_level=None)
    migrate(raw, path, MIGRATIONS[:3])
    insert_old_badge(raw)
    note = (
        '{"unreachable": {"at": "2025-02-01T00:00:00Z", "code": "HTTP_ERROR", '
        '"message": "The issuer answered 503."}, "expiring_announced": "2025-03-01"}'
    )
    raw.executemany(
        "INSERT INTO settings (key, value) VALUES (?, ?)",
        [
            ("sync.note:0123456789ab", note),
            ("sync.note:ffffffffffff", note),  # a deleted badge's note: dropped
            ("sync.note:0000", "not json"),
            ("auto_upload", "true"),
        ],
    )
    raw.close()
    with Library() as library:
        record = library.get("0123456789ab")
        assert record.unreachable == {
            "at": "2025-02-01T00:00:00Z",
            "code": "HTTP_ERROR",
            "message": "The issuer answered 503.",
        }
        assert record.expiring_announced == "2025-03-01"
        assert "could not reach the issuer" in record.to_json()["unreachable"]["note"]
        assert library.all_settings() == {"auto_upload": True}
        assert library.unreachable() == [("0123456789ab", record.unreachable)]


def test_newer_schema_is_refused_untouched(library: Library) -> None:
    """A database with a migration this code does not know is LIBRARY_TOO_NEW, left as is."""
    library.close()
    path = db_path()
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO schema_migrations (name, applied_at) VALUES ('0999_future', 'later')"
        )
    before = digest(path)
    with pytest.raises(LibraryError) as refused:
        Library()
    assert refused.value.code is ErrorCode.LIBRARY_TOO_NEW
    assert "0999_future" in refused.value.message
    assert digest(path) == before


def test_garbage_file_is_corrupt_with_backup_kept() -> None:
    """A file that is not SQLite is LIBRARY_CORRUPT; a copy is kept beside it, it is untouched."""
    path = db_path()
    garbage = b"this is not a database at all\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(LibraryError) as refused:
        Library()
    assert refused.value.code is ErrorCode.LIBRARY_CORRUPT
    backups = list(path.parent.glob(path.name + ".corrupt-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == garbage
    assert str(backups[0]) in refused.value.message
    assert path.read_bytes() == garbage
    with pytest.raises(LibraryError):
        Library()  # a second attempt keeps the same single copy
    assert list(path.parent.glob(path.name + ".corrupt-*")) == backups


def test_truncated_sqlite_file_is_corrupt() -> None:
    """A SQLite header followed by junk is LIBRARY_CORRUPT, not a raw sqlite3 error."""
    path = db_path()
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    with pytest.raises(LibraryError) as refused:
        Library()
    assert refused.value.code is ErrorCode.LIBRARY_CORRUPT


def test_foreign_sqlite_database_is_refused() -> None:
    """Another program's SQLite database is LIBRARY_CORRUPT and is not modified."""
    path = db_path()
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    before = digest(path)
    with pytest.raises(LibraryError) as refused:
        Library()
    assert refused.value.code is ErrorCode.LIBRARY_CORRUPT
    assert "another program" in refused.value.message
    assert digest(path) == before


def test_library_used_after_close_is_an_error(library: Library) -> None:
    """A closed library answers with a coded error, not a sqlite3 exception."""
    library.close()
    with pytest.raises(LibraryError) as closed:
        library.list_badges()
    assert closed.value.code is ErrorCode.INTERNAL_ERROR


def test_write_lock_held_too_long_is_library_busy(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer blocked past the busy timeout gets LIBRARY_BUSY, and can write once freed."""
    monkeypatch.setattr(schema, "BUSY_TIMEOUT_MS", 200)
    with Library() as impatient:
        holder = sqlite3.connect(db_path(), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(LibraryError) as busy:
            impatient.add_email("me@example.org")
        assert busy.value.code is ErrorCode.LIBRARY_BUSY
        holder.execute("ROLLBACK")
        holder.close()
        assert impatient.add_email("me@example.org") == ["me@example.org"]
