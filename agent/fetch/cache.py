"""The HTTP cache one SafeFetcher shares across every badge it verifies.

Rules:
- The key is ``(URL without fragment, Accept)``; only ``200`` answers are stored.
- Freshness follows the server (:mod:`agent.fetch.freshness`). An answer that says nothing about
  freshness (no ``max-age``, ``Expires`` or ``no-cache``) gets a **heuristic freshness** of
  ``batch_reuse_seconds`` (60 s by default) inside this cache object only: a batch of badges from
  one issuer fetches its badge class and issuer once. The heuristic is never written to disk, so
  the next run asks again (conditionally, when the server gave validators).
- A stale entry with ``ETag`` / ``Last-Modified`` is revalidated; a ``304`` renews it.
- Memory is an LRU bounded in bytes. The disk copy (when a folder is given) holds one file per key:
  a JSON header line, then the body. Writes are atomic (temp file, ``os.replace``), files are
  0600, the folder is bounded in bytes (oldest files evicted), and a file that does not read back
  exactly is deleted and ignored.
- Disk problems never fail a fetch: the cache just forgets.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from multidict import CIMultiDict

from agent.fetch.freshness import freshness_of
from agent.paths import ensure_private_dir

log = logging.getLogger(__name__)

CacheKey = tuple[str, str]
DISK_LIMIT_BYTES = 50_000_000
MEMORY_LIMIT_BYTES = 16_000_000
_FORMAT_VERSION = 1
_SUFFIX = ".entry"


@dataclass(frozen=True)
class CacheEntry:
    """A stored ``200`` answer and what is needed to serve or revalidate it.

    ``final_url`` is the URL after redirects, or None when the request was not redirected.
    ``fresh_until`` is a POSIX time; ``heuristic`` marks a batch-window freshness.
    """

    final_url: str | None
    content_type: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fresh_until: float
    heuristic: bool = False

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def validators(self) -> dict[str, str]:
        """The conditional request headers this entry allows (empty: it cannot be revalidated)."""
        conditional: dict[str, str] = {}
        etag = self.header("ETag")
        if etag:
            conditional["If-None-Match"] = etag
        modified = self.header("Last-Modified")
        if modified:
            conditional["If-Modified-Since"] = modified
        return conditional

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


def _merge_headers(
    stored: tuple[tuple[str, str], ...], update: Iterable[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """Headers of a 304 replace the stored ones of the same name (RFC 9111 §4.3.4)."""
    fresh = [(k, v) for k, v in update if k.lower() not in ("content-length", "content-type")]
    replaced = {k.lower() for k, _ in fresh}
    return tuple((k, v) for k, v in stored if k.lower() not in replaced) + tuple(fresh)


class HttpCache:
    """Memory LRU plus an optional disk folder, keyed by ``(url, accept)``."""

    def __init__(
        self,
        *,
        directory: Path | None,
        clock: Callable[[], float],
        batch_reuse_seconds: float,
        memory_limit: int = MEMORY_LIMIT_BYTES,
        disk_limit: int = DISK_LIMIT_BYTES,
    ) -> None:
        self._directory = directory
        self._clock = clock
        self._batch_reuse = batch_reuse_seconds
        self._memory: OrderedDict[CacheKey, CacheEntry] = OrderedDict()
        self._memory_bytes = 0
        self._memory_limit = memory_limit
        self._disk_limit = disk_limit
        self._disk_bytes: int | None = None  # measured on first write

    def now(self) -> float:
        return self._clock()

    # --- reading -------------------------------------------------------------------------

    def lookup(self, key: CacheKey) -> CacheEntry | None:
        """The stored entry for ``key`` (fresh or stale), from memory or else from disk."""
        entry = self._memory.get(key)
        if entry is not None:
            self._memory.move_to_end(key)
            return entry
        entry = self._read_disk(key)
        if entry is not None:
            self._remember(key, entry)
        return entry

    def is_fresh(self, entry: CacheEntry) -> bool:
        return self._clock() < entry.fresh_until

    # --- writing -------------------------------------------------------------------------

    def store(
        self,
        key: CacheKey,
        *,
        final_url: str | None,
        content_type: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> None:
        """Keep a ``200`` answer if its headers allow it and it can ever be reused."""
        pairs = tuple(headers)
        entry = self._with_freshness(
            CacheEntry(final_url, content_type, pairs, body, fresh_until=0.0), pairs
        )
        if entry is None:
            self.discard(key)
            return
        self._remember(key, entry)
        self._write_disk(key, entry)

    def revalidated(
        self, key: CacheKey, entry: CacheEntry, headers: Iterable[tuple[str, str]]
    ) -> CacheEntry:
        """Renew ``entry`` after a ``304`` carrying ``headers``; returns the renewed entry."""
        merged = _merge_headers(entry.headers, headers)
        renewed = self._with_freshness(replace(entry, headers=merged), merged)
        if renewed is None:
            self.discard(key)
            return entry
        self._remember(key, renewed)
        self._write_disk(key, renewed)
        return renewed

    def discard(self, key: CacheKey) -> None:
        """Forget ``key`` in memory and on disk."""
        old = self._memory.pop(key, None)
        if old is not None:
            self._memory_bytes -= old.size
        path = self._path(key)
        if path is not None:
            self._unlink(path)

    def _with_freshness(
        self, entry: CacheEntry, headers: tuple[tuple[str, str], ...]
    ) -> CacheEntry | None:
        now = self._clock()
        freshness = freshness_of(CIMultiDict(headers), now)
        if not freshness.storable:
            return None
        if freshness.fresh_until is not None:
            fresh = replace(entry, fresh_until=freshness.fresh_until, heuristic=False)
        elif self._batch_reuse > 0:
            fresh = replace(entry, fresh_until=now + self._batch_reuse, heuristic=True)
        else:
            fresh = replace(entry, fresh_until=now, heuristic=True)
        if fresh.fresh_until <= now and not fresh.validators():
            return None  # stale at once and cannot be revalidated: never useful
        return fresh

    def _remember(self, key: CacheKey, entry: CacheEntry) -> None:
        if entry.size > self._memory_limit // 4:
            return
        old = self._memory.pop(key, None)
        if old is not None:
            self._memory_bytes -= old.size
        self._memory[key] = entry
        self._memory_bytes += entry.size
        while self._memory_bytes > self._memory_limit and self._memory:
            _, evicted = self._memory.popitem(last=False)
            self._memory_bytes -= evicted.size

    # --- disk ----------------------------------------------------------------------------

    def _path(self, key: CacheKey) -> Path | None:
        if self._directory is None:
            return None
        digest = hashlib.sha256(f"{key[0]}\n{key[1]}".encode()).hexdigest()
        return self._directory / f"{digest}{_SUFFIX}"

    def _read_disk(self, key: CacheKey) -> CacheEntry | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        entry = _decode(data, key)
        if entry is None:
            log.debug("ignoring a damaged cache file")
            self._unlink(path)
        return entry

    def _write_disk(self, key: CacheKey, entry: CacheEntry) -> None:
        path = self._path(key)
        if path is None or self._directory is None:
            return
        if entry.heuristic and not entry.validators():
            return  # only ever fresh inside this batch; useless to the next run
        data = _encode(key, entry)
        if len(data) > self._disk_limit // 4:
            return
        try:
            if self._disk_bytes is None:  # the first write: make the folder, measure it
                ensure_private_dir(self._directory)
                self._disk_bytes = self._measure_disk()
            try:
                previous = path.stat().st_size
            except FileNotFoundError:
                previous = 0
            handle, temp = tempfile.mkstemp(dir=self._directory, prefix=".tmp-")  # 0600
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temp, path)
            except BaseException:
                self._unlink(Path(temp))
                raise
            self._disk_bytes += len(data) - previous
            if self._disk_bytes > self._disk_limit:
                self._evict_disk()
        except OSError as exc:
            log.debug("could not write the HTTP cache: %s", exc.strerror)

    def _measure_disk(self) -> int:
        assert self._directory is not None
        total = 0
        for path in self._directory.iterdir():
            with contextlib.suppress(OSError):
                if path.name.startswith(".tmp-"):
                    path.unlink()  # a write interrupted by a crash
                elif path.suffix == _SUFFIX:
                    total += path.stat().st_size
        return total

    def _evict_disk(self) -> None:
        """Delete the oldest files until the folder is back under 90 % of its limit."""
        assert self._directory is not None
        files: list[tuple[float, int, Path]] = []
        for path in self._directory.glob(f"*{_SUFFIX}"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        files.sort()
        total = sum(size for _, size, _ in files)
        target = self._disk_limit * 9 // 10
        for _, size, path in files:
            if total <= target:
                break
            self._unlink(path)
            total -= size
        self._disk_bytes = total

    @staticmethod
    def _unlink(path: Path) -> None:
        with contextlib.suppress(OSError):
            path.unlink()


def _encode(key: CacheKey, entry: CacheEntry) -> bytes:
    header = {
        "v": _FORMAT_VERSION,
        "url": key[0],
        "accept": key[1],
        "final_url": entry.final_url,
        "content_type": entry.content_type,
        "headers": [list(pair) for pair in entry.headers],
        # A heuristic freshness belongs to this run only; on disk it is already stale.
        "fresh_until": 0.0 if entry.heuristic else entry.fresh_until,
        "length": len(entry.body),
    }
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + entry.body


def _decode(data: bytes, key: CacheKey) -> CacheEntry | None:
    """The entry in ``data`` if it is complete and belongs to ``key``; else None."""
    line, newline, body = data.partition(b"\n")
    if not newline:
        return None
    try:
        header = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not _header_valid(header, key, len(body)):
        return None
    return CacheEntry(
        final_url=header["final_url"],
        content_type=header["content_type"],
        headers=tuple((str(k), str(v)) for k, v in header["headers"]),
        body=body,
        fresh_until=float(header["fresh_until"]),
    )


def _header_valid(header: Mapping[str, Any], key: CacheKey, body_length: int) -> bool:
    headers = header.get("headers")
    return (
        header.get("v") == _FORMAT_VERSION
        and header.get("url") == key[0]
        and header.get("accept") == key[1]
        and header.get("length") == body_length
        and isinstance(header.get("content_type"), str)
        and (header.get("final_url") is None or isinstance(header.get("final_url"), str))
        and isinstance(header.get("fresh_until"), (int, float))
        and isinstance(headers, list)
        and all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
            for pair in headers
        )
    )
