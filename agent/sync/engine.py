"""SyncEngine: one sync run (re-verify what is due, drain uploads, pull backpacks), and its loop.

Rules:
- One run at a time per library: a second ``run`` while one is going joins it and gets its
  summary. A run whose every caller was cancelled is cancelled too (nothing outlives the
  agent's task owner or the CLI).
- Each run uses a fresh fetcher (on the shared disk cache), so nothing is served from an
  earlier run's in-memory heuristic window: an issuer with validators costs a conditional
  request, one that sends ``max-age`` may cost nothing.
- At most ``concurrency`` badges are verified at once; requests per host are limited
  (:mod:`agent.sync.limits`); each worker starts after a small random jitter, and the
  schedule itself is jittered, so many agents never hit an issuer in step.
- Verdicts go to one recorder that writes them in batches (up to ``RECORD_BATCH`` per
  transaction): a commit per badge would make the disk's fsync the pace of the whole run.
- A phase that fails (a backpack down, the library busy) is reported in ``errors`` and the
  next phase still runs. Progress is ``sync.progress`` {done, total, phase}, throttled.
- ``run_forever`` is the agent's schedule: every ``sync_interval_minutes`` (a preference),
  ±10 % jitter. Its owner cancels it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from agent.errors import BadgekeeperError
from agent.fetch.model import Fetcher
from agent.keeper import BadgeKeeper
from agent.library import BadgeRecord
from agent.library.models import unreachable_note
from agent.library.saving import iso
from agent.rpc.events import SYNC_DONE, SYNC_PROGRESS
from agent.rpc.preferences import current_preferences
from agent.rpc.services import AgentServices
from agent.sync.cadence import next_check
from agent.sync.limits import DEFAULT_PER_HOST, DEFAULT_SPACING, HostLimitedFetcher
from agent.sync.notes import SyncNote, note_of
from agent.sync.pull import pull_backpacks
from agent.sync.recheck import record_checks, verify_record
from agent.verify import Verdict
from agent.verify.context import Clock, utc_now

log = logging.getLogger(__name__)

LAST_RUN_KEY = "sync.last_run"
CONCURRENCY = 8
JITTER_SECONDS = 0.25
VERIFY_DEADLINE = 30.0
FIRST_RUN_DELAY = 60.0
PAGE = 500
RECORD_BATCH = 200  # verdicts written per transaction, at most
PROGRESS_STEPS = 100  # at most this many progress reports per phase

FetcherFactory = Callable[[], AbstractAsyncContextManager[Fetcher]]
Progress = Callable[[int, int, str], None]
Waiter = Callable[[float], Awaitable[None]]


@dataclass
class SyncSummary:
    """What a run did."""

    checked: int = 0
    changed: int = 0
    unreachable: int = 0
    uploads: int = 0
    pulled: int = 0
    started_at: str = ""
    finished_at: str = ""
    errors: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "changed": self.changed,
            "unreachable": self.unreachable,
            "uploads": self.uploads,
            "pulled": self.pulled,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "errors": self.errors,
        }


def _error(exc: BadgekeeperError) -> dict[str, str]:
    return {"code": exc.code.name, "message": exc.message}


class SyncEngine:
    """Sync for one set of agent services."""

    def __init__(
        self,
        services: AgentServices,
        *,
        fetcher_factory: FetcherFactory | None = None,
        clock: Clock = utc_now,
        concurrency: int = CONCURRENCY,
        per_host: int = DEFAULT_PER_HOST,
        spacing: float = DEFAULT_SPACING,
        jitter: float = JITTER_SECONDS,
        deadline: float = VERIFY_DEADLINE,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.services = services
        self._fetcher_factory = fetcher_factory or self._default_fetcher
        self._clock = clock
        self._concurrency = max(1, concurrency)
        self._per_host = per_host
        self._spacing = spacing
        self._jitter = max(0.0, jitter)
        self._deadline = deadline
        self._rng = rng
        self._current: asyncio.Task[SyncSummary] | None = None
        self._joiners = 0
        self._listeners: list[Progress] = []
        self.next_run_at: datetime | None = None

    def _default_fetcher(self) -> AbstractAsyncContextManager[Fetcher]:
        from agent.fetch.client import SafeFetcher

        return SafeFetcher(cache_dir=self.services.paths.http_cache)

    @property
    def running(self) -> bool:
        return self._current is not None and not self._current.done()

    async def run(self, *, force: bool = False, progress: Progress | None = None) -> SyncSummary:
        """Run a sync now, or join the one running."""
        if progress is not None:
            self._listeners.append(progress)
        if self._current is None or self._current.done():
            self._current = asyncio.get_running_loop().create_task(self._run(force))
        current = self._current
        self._joiners += 1
        try:
            return await asyncio.shield(current)
        except asyncio.CancelledError:
            if self._joiners == 1:  # nobody else waits for this run: it ends with its caller
                current.cancel()
                await asyncio.gather(current, return_exceptions=True)
            raise
        finally:
            self._joiners -= 1
            if progress is not None:
                self._listeners.remove(progress)

    def _report(self, done: int, total: int, phase: str) -> None:
        step = max(1, total // PROGRESS_STEPS)
        if done not in (0, total) and done % step:
            return
        self.services.events.publish(SYNC_PROGRESS, {"done": done, "total": total, "phase": phase})
        for listener in list(self._listeners):
            try:
                listener(done, total, phase)
            except Exception:  # a caller's progress display must not break the run
                log.exception("a sync progress listener failed")

    async def _run(self, force: bool) -> SyncSummary:
        summary = SyncSummary(started_at=iso(self._clock()))
        async with self._fetcher_factory() as raw:
            fetcher = HostLimitedFetcher(raw, per_host=self._per_host, spacing=self._spacing)
            try:
                await self._verify_phase(fetcher, force, summary)
            except BadgekeeperError as exc:
                summary.errors["verify"] = _error(exc)
            try:
                self._report(0, 1, "uploads")
                drained = await self.services.backpacks.queue.drain(force=force)
                summary.uploads = sum(1 for u in drained.uploads if u.state == "done")
                for name, blocked in drained.blocked.items():
                    summary.errors[f"upload:{name}"] = _error(blocked)
                self._report(1, 1, "uploads")
            except BadgekeeperError as exc:
                summary.errors["uploads"] = _error(exc)
            try:
                self._report(0, 1, "pull")
                keeper = BadgeKeeper(
                    self.services.library, fetcher, events=self.services.keeper.events
                )
                pulled = await pull_backpacks(self.services.backpacks, keeper)
                summary.pulled = pulled.count
                for name, failure in pulled.failed.items():
                    summary.errors[f"pull:{name}"] = failure
                self._report(1, 1, "pull")
            except BadgekeeperError as exc:
                summary.errors["pull"] = _error(exc)
        summary.finished_at = iso(self._clock())
        try:
            await self.services.library.set_setting(LAST_RUN_KEY, summary.to_json())
        except BadgekeeperError as exc:
            log.warning("could not record the sync run: %s", exc.message)
        self.services.events.publish(SYNC_DONE, summary.to_json())
        log.info("sync: %s", summary.to_json())
        return summary

    async def _verify_phase(self, fetcher: Fetcher, force: bool, summary: SyncSummary) -> None:
        """Page through the library (bounded memory), checking the due badges as they come.

        The producer pages through the library, the workers verify, the recorder writes what
        they found in batches; each hands over through a bounded queue.
        """
        now = self._clock()
        emails = tuple(await self.services.library.emails())
        total, done = 0, 0
        due: asyncio.Queue[BadgeRecord | None] = asyncio.Queue(maxsize=2 * self._concurrency)
        checked: asyncio.Queue[tuple[BadgeRecord, Verdict] | None] = asyncio.Queue(
            maxsize=RECORD_BATCH
        )

        def considered() -> None:
            nonlocal done
            done += 1
            self._report(done, total, "verify")

        async def produce() -> None:
            nonlocal total
            cursor: str | None = None
            while True:
                page = await self.services.library.list_badges(limit=PAGE, cursor=cursor)
                if cursor is None:
                    total = page.total
                    self._report(0, total, "verify")
                for badge in page.items:
                    if force or next_check(badge, now, _attempt(note_of(badge))) <= now:
                        await due.put(badge)
                    else:
                        considered()
                cursor = page.next_cursor
                if cursor is None or not page.items:
                    break
            for _ in range(self._concurrency):  # one "no more" per worker
                await due.put(None)

        async def worker() -> None:
            if self._jitter:  # stagger the workers' first requests; later ones follow replies
                await asyncio.sleep(self._rng() * self._jitter)
            while (badge := await due.get()) is not None:
                verdict = await self._verify_one(badge, fetcher, emails)
                if verdict is not None:
                    await checked.put((badge, verdict))
                considered()

        async def record() -> None:
            finished = False
            while not finished:
                item = await checked.get()
                batch: list[tuple[BadgeRecord, Verdict]] = []
                while item is not None:
                    batch.append(item)
                    if len(batch) >= RECORD_BATCH or checked.empty():
                        break
                    item = checked.get_nowait()
                finished = item is None
                if batch:
                    await self._record(batch, summary)

        producer = asyncio.ensure_future(produce())
        workers = [asyncio.ensure_future(worker()) for _ in range(self._concurrency)]
        recorder = asyncio.ensure_future(record())
        try:
            await producer  # a library error ends the phase: the others are cancelled below
            await asyncio.gather(*workers)
            await checked.put(None)
            await recorder
        finally:
            for task in (producer, *workers, recorder):
                task.cancel()
            await asyncio.gather(producer, *workers, recorder, return_exceptions=True)

    async def _verify_one(
        self, badge: BadgeRecord, fetcher: Fetcher, emails: tuple[str, ...]
    ) -> Verdict | None:
        try:
            return await verify_record(badge, fetcher, emails, self._clock(), self._deadline)
        except Exception:  # a bug on one badge must not stop the others
            log.exception("sync: checking badge %s failed unexpectedly", badge.id)
            return None

    async def _record(self, batch: list[tuple[BadgeRecord, Verdict]], summary: SyncSummary) -> None:
        try:
            results = await record_checks(
                self.services.library, self.services.events, batch, self._clock()
            )
        except BadgekeeperError as exc:  # the library is busy or gone: these wait for next time
            log.info("sync: %d check(s) not recorded: %s", len(batch), exc.code.name)
            return
        except Exception:  # a bug must not stop the run
            log.exception("sync: recording %d check(s) failed unexpectedly", len(batch))
            return
        for result in results:
            summary.checked += 1
            summary.changed += result.outcome == "changed"
            summary.unreachable += result.outcome == "unreachable"

    async def status(self) -> dict[str, Any]:
        """Running or not, the last run, the next scheduled run, and unreachable issuers."""
        last = await self.services.library.get_setting(LAST_RUN_KEY)
        unreachable = [
            {"badge_id": badge_id, **note, "note": unreachable_note(note)}
            for badge_id, note in await self.services.library.unreachable()
        ]
        return {
            "running": self.running,
            "last_run": last if isinstance(last, dict) else None,
            "next_run_at": iso(self.next_run_at) if self.next_run_at else None,
            "interval_minutes": await self.interval_minutes(),
            "unreachable": unreachable,
        }

    async def interval_minutes(self) -> int:
        stored = await self.services.library.get_setting("sync_interval_minutes")
        value = current_preferences({"sync_interval_minutes": stored})["sync_interval_minutes"]
        return int(value)

    async def run_forever(self, waiter: Waiter = asyncio.sleep) -> None:
        """The agent's schedule: a run shortly after start, then every interval (jittered)."""
        delay = FIRST_RUN_DELAY
        while True:
            self.next_run_at = _after(self._clock(), delay)
            await waiter(delay)
            try:
                await self.run()
            except BadgekeeperError as exc:
                log.warning("scheduled sync failed: %s", exc.message)
            except Exception:  # a bug must not end the schedule
                log.exception("scheduled sync failed unexpectedly")
            try:
                minutes = await self.interval_minutes()
            except BadgekeeperError:
                minutes = 60
            delay = minutes * 60.0 * (0.9 + 0.2 * self._rng())


def _attempt(note: SyncNote) -> datetime | None:
    return note.unreachable.at if note.unreachable is not None else None


def _after(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)


@asynccontextmanager
async def scheduled_sync(engine: SyncEngine) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``engine.run_forever`` for the life of the block; cancelled and awaited on exit."""
    task = asyncio.get_running_loop().create_task(engine.run_forever(), name="sync-schedule")
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
