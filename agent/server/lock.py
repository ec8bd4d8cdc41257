"""One agent per user: an exclusive lock on ``Paths.lock_file``, held while the agent runs.

Rules:
- The lock is an OS lock on an open file (``fcntl.flock``; ``msvcrt.locking`` on Windows), so
  it goes away with the process however it ends: a crashed agent never blocks the next one.
- The lock file is never deleted (deleting it would let two agents lock two different files).
- The holder writes its pid and where it listens into the file; a second agent reads that to
  say where the first runs. On Windows the locked byte lies far past that text, so the text
  stays readable while locked.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from agent.paths import ensure_private_dir

log = logging.getLogger(__name__)

_WINDOWS_LOCK_OFFSET = 1 << 30
_MAX_HOLDER_BYTES = 4096


@dataclass(frozen=True)
class LockHolder:
    """What the lock file says about the agent holding it (fields None when unknown)."""

    pid: int | None
    endpoint: str | None
    started_at: str | None

    def describe(self) -> str:
        pid = "an unknown process" if self.pid is None else f"process {self.pid}"
        where = "" if self.endpoint is None else f", listening on {self.endpoint}"
        return f"{pid}{where}"


if sys.platform == "win32":
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


class InstanceLock:
    """The agent's single-instance lock: ``acquire()`` once, ``release()`` on the way out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        if self._descriptor is not None:
            return True
        ensure_private_dir(self.path.parent)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            locked = _try_lock(descriptor)
        except BaseException:
            os.close(descriptor)
            raise
        if not locked:
            os.close(descriptor)
            return False
        self._descriptor = descriptor
        return True

    def record(self, endpoint: str) -> None:
        """Write our pid and endpoint into the lock file for a second agent to report."""
        if self._descriptor is None:
            raise RuntimeError("record() needs the lock held")
        text = json.dumps(
            {
                "pid": os.getpid(),
                "endpoint": endpoint,
                "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
        ).encode()
        os.ftruncate(self._descriptor, 0)
        os.lseek(self._descriptor, 0, os.SEEK_SET)
        os.write(self._descriptor, text + b"\n")

    def release(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        try:
            os.ftruncate(descriptor, 0)  # no stale pid for the next reader
            _unlock(descriptor)
        finally:
            os.close(descriptor)

    def holder(self) -> LockHolder:
        """What the lock file says; fields None when it is empty, missing or garbled."""
        try:
            with self.path.open("rb") as handle:
                raw = handle.read(_MAX_HOLDER_BYTES)
            found: Any = json.loads(raw.decode("utf-8"))
        except (OSError, ValueError):
            return LockHolder(None, None, None)
        if not isinstance(found, dict):
            return LockHolder(None, None, None)
        pid, endpoint, started = found.get("pid"), found.get("endpoint"), found.get("started_at")
        return LockHolder(
            pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
            endpoint if isinstance(endpoint, str) else None,
            started if isinstance(started, str) else None,
        )
