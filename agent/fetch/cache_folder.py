"""The HTTP cache's disk copy: one file per key in a private folder, bounded in bytes.

Rules:
- Files are 0600 in a 0700 folder. A write goes to a new temp file (``O_EXCL``, so never through
  a planted link) renamed over the target when complete: a reader sees the old file or the new
  one, never half of one. Temp files a crash left behind are deleted when the folder is measured.
- The folder is bounded in bytes: past the limit the files written or touched longest ago are
  deleted until it is under 90 % of it. The running count may only run high (an overwritten
  file is not subtracted, which saves a ``stat`` per write); eviction measures the folder again
  before it deletes anything.
- Writes happen at once, in the caller's thread. A background writer thread was measured and
  left out: it made neither a 10,000-badge sync nor a 200-badge batch faster (its GIL hand-offs
  cost what the overlapped file creations saved).
- Disk problems never fail a fetch: they are logged at debug level and the cache forgets.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from agent.paths import ensure_private_dir

log = logging.getLogger(__name__)

SUFFIX = ".entry"
TEMP_PREFIX = ".tmp-"
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


class CacheFolder:
    """The files of one cache folder; see the module rules."""

    def __init__(self, directory: Path, *, limit: int) -> None:
        self.directory = directory
        self._limit = limit
        self._disk_bytes: int | None = None  # measured on first write
        self._temp_count = 0

    def path_for(self, name: str) -> Path:
        return self.directory / f"{name}{SUFFIX}"

    def read(self, path: Path) -> bytes | None:
        """The file's bytes (None: no such file, or it cannot be read)."""
        try:
            return path.read_bytes()
        except OSError:
            return None

    def write(self, path: Path, data: bytes) -> None:
        """Replace ``path`` with ``data``, unless it is too large to be worth a place."""
        if len(data) > self._limit // 4:
            return
        try:
            if self._disk_bytes is None:  # the first write: make the folder, measure it
                ensure_private_dir(self.directory)
                self._disk_bytes = self._measure()
            self._temp_count += 1
            temp = self.directory / f"{TEMP_PREFIX}{os.getpid()}-{id(self):x}-{self._temp_count}"
            write_atomically(path, data, temp)
            self._disk_bytes += len(data)
            if self._disk_bytes > self._limit:
                self._evict()
        except OSError as exc:
            log.debug("could not write the HTTP cache: %s", exc.strerror)

    def touch(self, path: Path) -> None:
        """Mark ``path`` as just used: eviction deletes the files untouched for longest."""
        with contextlib.suppress(OSError):
            os.utime(path)

    def delete(self, path: Path) -> None:
        """Remove ``path`` if it exists."""
        unlink_quietly(path)

    def _measure(self) -> int:
        total = 0
        for path in self.directory.iterdir():
            with contextlib.suppress(OSError):
                if path.name.startswith(TEMP_PREFIX):
                    path.unlink()  # a write interrupted by a crash
                elif path.suffix == SUFFIX:
                    total += path.stat().st_size
        return total

    def _evict(self) -> None:
        """Delete the oldest files until the folder is back under 90 % of its limit."""
        files: list[tuple[float, int, Path]] = []
        for path in self.directory.glob(f"*{SUFFIX}"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        files.sort()
        total = sum(size for _, size, _ in files)
        target = self._limit * 9 // 10
        for _, size, path in files:
            if total <= target:
                break
            unlink_quietly(path)
            total -= size
        self._disk_bytes = total


def write_atomically(path: Path, data: bytes, temp: Path) -> None:
    """``data`` into ``path`` through the new 0600 file ``temp``, renamed over it when complete."""
    handle = os.open(temp, _CREATE_FLAGS, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
        os.replace(temp, path)
    except BaseException:
        unlink_quietly(temp)
        raise


def unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
