"""The HTTP cache one SafeFetcher shares across every badge it verifies.

Rules:
- The key is ``(URL without fragment, Accept)``; only ``200`` answers are stored.
- Freshness follows the server (:mod:`agent.fetch.freshness`). An answer that says nothing about
  freshness (no ``max-age``, ``Expires`` or ``no-cache``) gets a **heuristic freshness** of
  ``batch_reuse_seconds`` (60 s by default) inside this cache object only: a batch of badges from
  one issuer fetches its badge class and issuer once. The heuristic is never written to disk, so
  the next run asks again (conditionally, when the server gave validators).
- A stale entry with ``ETag`` / ``Last-Modified`` is revalidated; a ``304`` renews it. A ``304``
  that leaves the disk copy as useful as it was (stale either way, same validators) is not
  written again, only touched (eviction goes by age): re-checking 10,000 unchanged badges
  creates no file.
- Memory is an LRU bounded in bytes. With a disk folder, memory keeps only entries that can be
  served without a request; one that must be revalidated first lives on disk only (its
  conditional request costs a round trip anyway, and a sync touches each assertion once).
- The disk copy (when a folder is given) holds one file per key: a JSON header line, then the
  body; a file that does not read back exactly is deleted and ignored. Files, their atomic
  writes, permissions and the folder's size bound are :mod:`agent.fetch.cache_folder`'s.
- Disk problems never fail a fetch: the cache just forgets.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from multidict import CIMultiDict

from agent.fetch.cache_folder import CacheFolder
from agent.fetch.freshness import freshness_of

log = logging.getLogger(__name__)

CacheKey = tuple[str, str]
DISK_LIMIT_BYTES = 50_000_000
MEMORY_LIMIT_BYTES = 16_000_000
_FORMAT_VERSION = 1


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
        self._folder = None if directory is None else CacheFolder(directory, limit=disk_limit)
        self._clock = clock
        self._batch_reuse = batch_reuse_seconds
        self._memory: OrderedDict[CacheKey, CacheEntry] = OrderedDict()
        self._memory_bytes = 0
        self._memory_limit = memory_limit

    def now(self) -> float:
        return self._clock()

    # --- reading -------------------------------------------------------------------------

    def lookup(self, key: CacheKey, *, disk: bool = True) -> CacheEntry | None:
        """The stored entry for ``key`` (fresh or stale), from memory or else (``disk``) disk."""
        entry = self._memory.get(key)
        if entry is not None:
            self._memory.move_to_end(key)
            return entry
        if not disk:
            return None
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
        if not _same_on_disk(entry, renewed, self._clock()):
            self._write_disk(key, renewed)
        elif self._folder is not None:  # still marked as recently used, for eviction
            self._folder.touch(self._folder.path_for(_file_name(key)))
        return renewed

    def discard(self, key: CacheKey) -> None:
        """Forget ``key`` in memory and on disk."""
        self._forget(key)
        if self._folder is not None:
            self._folder.delete(self._folder.path_for(_file_name(key)))

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
        self._forget(key)
        if entry.size > self._memory_limit // 4:
            return
        if self._folder is not None and not self.is_fresh(entry):
            return  # must be revalidated before any use: the disk copy is enough
        self._memory[key] = entry
        self._memory_bytes += entry.size
        while self._memory_bytes > self._memory_limit and self._memory:
            _, evicted = self._memory.popitem(last=False)
            self._memory_bytes -= evicted.size

    def _forget(self, key: CacheKey) -> None:
        old = self._memory.pop(key, None)
        if old is not None:
            self._memory_bytes -= old.size

    # --- disk ----------------------------------------------------------------------------

    def _read_disk(self, key: CacheKey) -> CacheEntry | None:
        if self._folder is None:
            return None
        path = self._folder.path_for(_file_name(key))
        data = self._folder.read(path)
        if data is None:
            return None
        entry = _decode(data, key)
        if entry is None:
            log.debug("ignoring a damaged cache file")
            self._folder.delete(path)
        return entry

    def _write_disk(self, key: CacheKey, entry: CacheEntry) -> None:
        if self._folder is None:
            return
        if entry.heuristic and not entry.validators():
            return  # only ever fresh inside this batch; useless to the next run
        self._folder.write(self._folder.path_for(_file_name(key)), _encode(key, entry))


def _file_name(key: CacheKey) -> str:
    return hashlib.sha256(f"{key[0]}\n{key[1]}".encode()).hexdigest()


def _disk_fresh_until(entry: CacheEntry) -> float:
    return 0.0 if entry.heuristic else entry.fresh_until


def _same_on_disk(old: CacheEntry, renewed: CacheEntry, now: float) -> bool:
    """True when writing ``renewed`` would change nothing the next run can use.

    That is when both copies are stale on disk (the next run must ask again either way) and ask
    with the same validators; only headers such as ``Date`` would differ, and the next ``304``
    brings those anew.
    """
    return (
        _disk_fresh_until(old) <= now
        and _disk_fresh_until(renewed) <= now
        and old.validators() == renewed.validators()
    )


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
