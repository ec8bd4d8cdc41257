"""Badge files stored by the SHA-256 of their bytes: ``badges/ab/abcdef….png``.

Rules:
- A file is either complete or absent: bytes go to a temporary file in the same folder, are
  fsynced, renamed into place with ``os.replace``, and the folder is fsynced.
- The same bytes are stored once; a file already there with the right size is not rewritten.
- Files are 0600, folders 0700.
- The library writes a file before the row that names it, and removes a file only under the
  write lock, once no row names it (see ``store.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from pathlib import Path

from agent.errors import ErrorCode, LibraryError
from agent.paths import ensure_private_dir

PNG = "image/png"
SVG = "image/svg+xml"
EXTENSIONS = {PNG: ".png", SVG: ".svg"}
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def media_type_of(data: bytes, declared: str | None) -> str:
    """The media type to keep ``data`` under: the bytes decide, the declared type breaks a tie.

    A PNG signature means PNG whatever was declared; otherwise SVG when the bytes look like XML or
    SVG was declared. Anything else is not a badge image we keep.
    """
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    normalised = (declared or "").split(";", 1)[0].strip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) or normalised == SVG:
        return SVG
    raise LibraryError(
        ErrorCode.INVALID_ARGUMENT,
        "The badge image is neither PNG nor SVG. Save the baked PNG or SVG image the issuer sent.",
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable (a no-op where folders cannot be synced)."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``path`` whole or not at all (temp file, fsync, ``os.replace``, fsync the folder)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        fsync_dir(path.parent)


class BadgeFiles:
    """The folder of badge files, addressed by SHA-256 and media type."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, media_type: str) -> Path:
        if not _SHA256.fullmatch(sha256) or media_type not in EXTENSIONS:
            raise LibraryError(
                ErrorCode.LIBRARY_CORRUPT,
                f"The library names a badge file it cannot hold ({sha256[:16]!r}, "
                f"{media_type[:40]!r}). Export your badges and start a new library.",
            )
        return self.root / sha256[:2] / f"{sha256}{EXTENSIONS[media_type]}"

    def put(self, data: bytes, sha256: str, media_type: str) -> Path:
        """Store ``data`` durably unless the same bytes are already there; return the path."""
        path = self.path_for(sha256, media_type)
        try:
            if path.is_file() and path.stat().st_size == len(data):
                return path
            folder = path.parent
            if not folder.is_dir():
                ensure_private_dir(folder)
                fsync_dir(folder.parent)
            write_atomically(path, data)
        except OSError as exc:
            raise LibraryError(
                ErrorCode.LIBRARY_UNAVAILABLE,
                f"The badge file could not be written in {self.root} ({exc.strerror or exc}). "
                "Check free disk space and the folder's permissions.",
            ) from exc
        return path

    def read(self, sha256: str, media_type: str) -> bytes:
        path = self.path_for(sha256, media_type)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise LibraryError(
                ErrorCode.LIBRARY_CORRUPT,
                f"The badge file {path.name} is missing from {self.root}. Save the badge again "
                "from its e-mail to restore it.",
            ) from exc
        except OSError as exc:
            raise LibraryError(
                ErrorCode.LIBRARY_UNAVAILABLE,
                f"The badge file {path} could not be read ({exc.strerror or exc}). Check the "
                "folder's permissions.",
            ) from exc

    def remove(self, sha256: str, media_type: str) -> None:
        """Delete a file no row names any more (missing is fine: a crash may have beaten us)."""
        path = self.path_for(sha256, media_type)
        try:
            path.unlink(missing_ok=True)
            fsync_dir(path.parent)
        except OSError:
            # A leftover file costs disk space only; the row that named it is already gone.
            return
