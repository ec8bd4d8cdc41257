"""One writer connection, one reader connection per thread, and the transactions around them.

Rules:
- Every write is one ``BEGIN IMMEDIATE`` transaction on the single writer connection, serialised
  by a lock: a ``Library`` may be shared by threads, and other processes (the CLI, the agent)
  queue on SQLite's busy timeout.
- Reads use a ``query_only`` connection per thread and one read transaction per call, so a page
  and its total come from one snapshot.
- sqlite3 exceptions (and its OverflowError for huge integers) become ``LibraryError`` here.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from agent.errors import ErrorCode, LibraryError
from agent.library import schema, search


class LibraryDatabase:
    """The library's SQLite file, opened and migrated."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = schema.open_writer(path)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        try:
            self.search_indexed = search.search_index_usable(self._writer)
        except sqlite3.Error as exc:
            self._writer.close()
            raise schema.translate(path, exc) from exc

    def close(self) -> None:
        """Close every connection (once no other thread is using them)."""
        if self._closed:
            return
        self._closed = True
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        with self._write_lock:
            self._writer.close()

    def _check_open(self) -> None:
        if self._closed:
            raise LibraryError(
                ErrorCode.INTERNAL_ERROR, "The badge library was used after it was closed."
            )

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction, committed when the block ends without error."""
        self._check_open()
        with self._write_lock:
            conn = self._writer
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:  # SQLite may have rolled back already (I/O error)
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise schema.translate(self.path, exc) from exc
            except OverflowError as exc:
                raise _too_large() from exc

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction on this thread's reader connection."""
        self._check_open()
        conn = self._reader()
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise schema.translate(self.path, exc) from exc
        except OverflowError as exc:
            raise _too_large() from exc

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = schema.connect(self.path, readonly=True)
            with self._readers_lock:
                if self._closed:
                    conn.close()
                    self._check_open()
                self._readers.append(conn)
            self._local.conn = conn
        return conn


def _too_large() -> LibraryError:
    # sqlite3 cannot bind integers beyond 64 bits; such an id or position names nothing we hold.
    return LibraryError(
        ErrorCode.INVALID_ARGUMENT,
        "A number given to the library (an id, position or limit) is far too large.",
    )
