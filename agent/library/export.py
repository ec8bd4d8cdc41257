"""Exporting badges: one badge as its file, or the whole library as a zip with ``index.json``.

Rules:
- A badge exports as the baked image exactly as saved; a badge saved without an image exports
  its payload exactly as embedded (``.json`` for JSON, ``.jws`` / ``.jwt`` for tokens, ``.txt``
  for a link).
- The zip is written whole or not at all (temporary file beside it, fsync, ``os.replace``), from
  one read snapshot, so ``index.json`` and the files agree.
- ``index.json`` is the ``list --json`` records, each with ``file``: its path inside the zip.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import sqlite3
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

from agent.errors import ErrorCode, LibraryError
from agent.library import queries
from agent.library.files import EXTENSIONS, BadgeFiles, fsync_dir
from agent.library.models import BadgeRecord

_PAYLOAD_EXTENSIONS = {
    "assertion-json": ".json",
    "credential-json": ".json",
    "jws": ".jws",
    "vc-jwt": ".jwt",
    "url": ".txt",
}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
INDEX_NAME = "index.json"
FOLDER = "badges"


def badge_filename(record: BadgeRecord) -> str:
    """``<name-slug>-<id><ext>``: readable, and unique through the id."""
    ascii_name = unicodedata.normalize("NFKD", record.name or "").encode("ascii", "ignore")
    slug = _NOT_SLUG.sub("-", ascii_name.decode().lower()).strip("-")[:60].strip("-") or "badge"
    if record.sha256 is not None and record.media_type in EXTENSIONS:
        extension = EXTENSIONS[record.media_type]
    else:
        extension = _PAYLOAD_EXTENSIONS.get(record.payload_kind, ".txt")
    return f"{slug}-{record.id}{extension}"


def badge_bytes(record: BadgeRecord, files: BadgeFiles) -> bytes:
    """The image as saved, or the payload as embedded when there is no image."""
    if record.sha256 is not None and record.media_type is not None:
        return files.read(record.sha256, record.media_type)
    return record.payload.encode("utf-8")


def _records(conn: sqlite3.Connection) -> Iterator[BadgeRecord]:
    cursor: str | None = None
    while True:
        page = queries.list_badges(
            conn, indexed=False, sort="saved_at", descending=False, limit=200, cursor=cursor
        )
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def write_library_zip(conn: sqlite3.Connection, files: BadgeFiles, path: Path) -> int:
    """Write every badge and ``index.json`` to the zip at ``path``; return the badge count.

    ``conn`` must be inside a read transaction for the whole call (one snapshot).
    """
    if path.is_dir():
        raise LibraryError(
            ErrorCode.INVALID_ARGUMENT,
            f"{path} is a folder. Give the export a file name, such as badges.zip.",
        )
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            archive = zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED)
            count = _fill(archive, conn, files)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise LibraryError(
            ErrorCode.LIBRARY_UNAVAILABLE,
            f"The export could not be written to {path} ({exc.strerror or exc}). Choose a folder "
            "you can write to, with free space.",
        ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return count


def _fill(archive: zipfile.ZipFile, conn: sqlite3.Connection, files: BadgeFiles) -> int:
    written: dict[str, str] = {}
    count = 0
    with archive:
        for record in _records(conn):
            name = f"{FOLDER}/{badge_filename(record)}"
            try:
                data = badge_bytes(record, files)
            except LibraryError:
                continue  # deleted after our snapshot began: listed in the index without a file
            # PNG is compressed already; SVG and JSON shrink a lot.
            method = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
            written[record.id] = name
        with archive.open(INDEX_NAME, "w") as index:
            index.write(b"[")
            for position, record in enumerate(_records(conn)):
                entry = {**record.to_json(), "file": written.get(record.id)}
                index.write(b"," if position else b"")
                index.write(json.dumps(entry, ensure_ascii=False).encode("utf-8"))
                count += 1
            index.write(b"]")
    return count
