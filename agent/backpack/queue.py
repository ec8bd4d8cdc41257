"""UploadQueue: uploads to backpacks, kept in the library, tried until delivered or failed for good.

Rules:
- The library is the queue: one upload row per (badge, backpack) with its state, attempts,
  next attempt time and last error. Nothing lives only in memory, so a restart resumes: a row
  left ``uploading`` by a crash is queued again (the backpack answers a re-sent badge as a
  duplicate, which counts as delivered — never a second copy).
- Idempotent: queueing a badge already ``done`` at a backpack (or already queued) does nothing.
- A retryable failure (unreachable, timeout, 5xx) waits per :class:`RetryPolicy`, then fails
  for good when attempts run out; any other failure fails at once. A backpack that needs to be
  connected (again) holds its uploads queued, untouched, until it is.
- A failure about the backpack rather than the badge applies to every due upload of that
  backpack in the same pass, without asking the backpack again for each: one problem, one
  request, one message.
- Passes never overlap (one lock): the agent's background loop and on-demand drains take
  turns. ``run`` is the background loop; its owner cancels it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from agent.backpack.answers import Receipt
from agent.backpack.backoff import RetryPolicy
from agent.backpack.errors import BackpackError
from agent.errors import BadgekeeperError, ErrorCode
from agent.keeper import EventSink
from agent.library import AsyncLibrary, UploadRecord
from agent.library.saving import iso
from agent.rpc.events import UPLOAD_DONE, UPLOAD_FAILED, UPLOAD_QUEUED
from agent.verify.context import Clock, utc_now

log = logging.getLogger(__name__)

BATCH = 200
IDLE_WAKE = 3600.0  # the loop looks again at least this often, even when nothing is due

Waiter = Callable[[asyncio.Event, float], Awaitable[None]]


class Courier(Protocol):
    """What the queue needs from the backpacks: deliver one badge, and say which are blocked."""

    async def deliver(self, badge_id: str, backpack: str) -> Receipt: ...

    async def blocked(self, backpack: str) -> BackpackError | None: ...

    async def backpack_failed(self, backpack: str, error: BackpackError) -> None: ...


@dataclass
class DrainReport:
    """What a pass did: the uploads it touched (as they are now) and the blocked backpacks."""

    uploads: list[UploadRecord] = field(default_factory=list)
    blocked: dict[str, BackpackError] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "uploads": [{"badge_id": u.badge_id, **u.to_json()} for u in self.uploads],
            "blocked": {
                name: {"code": error.code.name, "message": error.message}
                for name, error in self.blocked.items()
            },
        }


async def wait_for_wake(event: asyncio.Event, seconds: float) -> None:
    """The real waiter: until ``event`` is set or ``seconds`` pass."""
    try:
        await asyncio.wait_for(event.wait(), max(0.0, seconds))
    except asyncio.TimeoutError:
        return


def upload_json(record: UploadRecord) -> dict[str, Any]:
    return {"badge_id": record.badge_id, **record.to_json()}


class UploadQueue:
    """The persistent upload queue of one library."""

    def __init__(
        self,
        library: AsyncLibrary,
        courier: Courier,
        events: EventSink,
        *,
        policy: RetryPolicy | None = None,
        clock: Clock = utc_now,
        waiter: Waiter = wait_for_wake,
    ) -> None:
        self.library = library
        self.courier = courier
        self.events = events
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self._waiter = waiter
        self._pass_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._resumed = False

    def wake(self) -> None:
        """Ask the background loop to look at the queue now."""
        self._wake.set()

    async def enqueue(self, badge_id: str, backpack: str) -> tuple[UploadRecord, bool]:
        """Queue one upload; ``(record, queued)``, where ``queued`` is False for a no-op."""
        current = {u.backpack: u for u in await self.library.uploads(badge_id)}.get(backpack)
        if current is not None and current.state in ("done", "queued", "uploading"):
            return current, False
        record = await self.library.set_upload_state(badge_id, backpack, "queued")
        self.events.publish(UPLOAD_QUEUED, {**_names(record), "upload": upload_json(record)})
        self.wake()
        return record, True

    async def resume(self) -> int:
        """Queue again what a crash left ``uploading``; how many there were."""
        stranded = await self.library.uploads_in_state("uploading", limit=BATCH)
        for record in stranded:
            await self.library.set_upload_state(record.badge_id, record.backpack, "queued")
        self._resumed = True
        if stranded:
            log.info("resumed %d upload(s) interrupted by a stop", len(stranded))
        return len(stranded)

    async def drain(
        self,
        *,
        backpack: str | None = None,
        badge_ids: Iterable[str] | None = None,
        force: bool = True,
    ) -> DrainReport:
        """One pass over the queue. ``force`` tries queued uploads whatever their wait."""
        wanted = set(badge_ids) if badge_ids is not None else None
        async with self._pass_lock:
            if not self._resumed:
                await self.resume()
            report = DrainReport()
            seen: set[tuple[str, str]] = set()
            while True:
                due = await self._due(backpack, wanted, force, seen)
                if not due:
                    return report
                for record in due:
                    seen.add((record.badge_id, record.backpack))
                    touched = await self._one(record, report)
                    if touched is not None:
                        report.uploads.append(touched)

    async def _due(
        self,
        backpack: str | None,
        wanted: set[str] | None,
        force: bool,
        seen: set[tuple[str, str]],
    ) -> list[UploadRecord]:
        now = self.clock()
        queued = await self.library.uploads_in_state("queued", backpack=backpack, limit=BATCH)
        return [
            record
            for record in queued
            if (record.badge_id, record.backpack) not in seen
            and (wanted is None or record.badge_id in wanted)
            and (force or _is_due(record, now))
        ]

    async def _one(self, record: UploadRecord, report: DrainReport) -> UploadRecord | None:
        name = record.backpack
        if name in report.blocked:
            return await self._share_failure(record, report.blocked[name])
        blocked = await self.courier.blocked(name)
        if blocked is not None:
            report.blocked[name] = blocked
            return await self._hold(record, blocked)
        try:
            await self.library.set_upload_state(record.badge_id, name, "uploading")
        except BadgekeeperError:
            return None  # the badge was deleted meanwhile: nothing left to upload
        try:
            receipt = await self.courier.deliver(record.badge_id, name)
        except BackpackError as error:
            if error.backpack_wide:
                report.blocked[name] = error
            return await self._failed(record, error)
        except BadgekeeperError as error:  # the library (a deleted badge) or unreadable data
            return await self._failed(record, BackpackError(error.code, error.message))
        except Exception:  # a bug must fail this upload, never stop the queue
            log.exception("uploading %s to %s failed unexpectedly", record.badge_id, name)
            return await self._failed(record, BackpackError(ErrorCode.INTERNAL_ERROR))
        return await self._done(record, receipt)

    async def _done(self, record: UploadRecord, receipt: Receipt) -> UploadRecord | None:
        try:
            done = await self.library.set_upload_state(
                record.badge_id,
                record.backpack,
                "done",
                remote_id=receipt.remote_id,
                public_url=receipt.public_url,
            )
        except BadgekeeperError:
            return None
        log.info(
            "uploaded badge %s to %s%s",
            record.badge_id,
            record.backpack,
            " (it was there already)" if receipt.duplicate else "",
        )
        self.events.publish(
            UPLOAD_DONE,
            {**_names(done), "upload": upload_json(done), "duplicate": receipt.duplicate},
        )
        return done

    async def _failed(self, record: UploadRecord, error: BackpackError) -> UploadRecord | None:
        if error.needs_connect:
            await self.courier.backpack_failed(record.backpack, error)
            return await self._hold(record, error)
        attempts = await self._attempts(record)
        try:
            if error.retryable and not self.policy.exhausted(attempts):
                wait = self.policy.delay(attempts, error.retry_after)
                next_at = iso(self.clock() + timedelta(seconds=wait))
                log.info(
                    "upload of %s to %s failed (%s); retry in %.0f s",
                    record.badge_id,
                    record.backpack,
                    error.code.name,
                    wait,
                )
                return await self.library.set_upload_state(
                    record.badge_id,
                    record.backpack,
                    "queued",
                    error=error.message,
                    next_attempt_at=next_at,
                )
            failed = await self.library.set_upload_state(
                record.badge_id, record.backpack, "failed", error=error.message
            )
        except BadgekeeperError:
            return None
        log.info("upload of %s to %s failed: %s", record.badge_id, record.backpack, error.code.name)
        self.events.publish(UPLOAD_FAILED, _failure(failed, error, final=True))
        return failed

    async def _share_failure(
        self, record: UploadRecord, error: BackpackError
    ) -> UploadRecord | None:
        """Give ``record`` the failure its backpack just had, without asking it again."""
        if error.needs_connect or error.code is ErrorCode.BACKPACK_NOT_FOUND:
            return await self._hold(record, error)
        try:
            await self.library.set_upload_state(record.badge_id, record.backpack, "uploading")
        except BadgekeeperError:
            return None
        return await self._failed(record, error)

    async def _hold(self, record: UploadRecord, error: BackpackError) -> UploadRecord | None:
        """Keep ``record`` queued, untouched but for the reason it waits."""
        try:
            held = await self.library.set_upload_state(
                record.badge_id, record.backpack, "queued", error=error.message
            )
        except BadgekeeperError:
            return None
        if record.last_error != error.message:  # say it once, not at every pass
            self.events.publish(UPLOAD_FAILED, _failure(held, error, final=False))
        return held

    async def _attempts(self, record: UploadRecord) -> int:
        current = {u.backpack: u for u in await self.library.uploads(record.badge_id)}
        now = current.get(record.backpack)
        return now.attempts if now is not None else record.attempts

    async def next_due(self) -> datetime | None:
        """When the earliest waiting upload becomes due (None: nothing waits on time).

        Uploads of a backpack that waits for the user (not connected) are not counted: they
        become due when it is connected, which wakes the loop.
        """
        queued = await self.library.uploads_in_state("queued", limit=BATCH)
        blocked = {
            name
            for name in {record.backpack for record in queued}
            if await self.courier.blocked(name) is not None
        }
        times: list[datetime] = []
        for record in queued:
            if record.backpack in blocked:
                continue
            when = (
                self.clock() if record.next_attempt_at is None else _parse(record.next_attempt_at)
            )
            times.append(when or self.clock())
        return min(times) if times else None

    async def run(self) -> None:
        """The background loop: resume, then pass over due uploads whenever one is due."""
        while True:
            self._wake.clear()  # before the pass: a wake during it makes the wait short
            try:
                await self.drain(force=False)
                due = await self.next_due()
            except BadgekeeperError as error:  # the library went away or is busy: try later
                log.warning("the upload queue could not run: %s", error.message)
                await self._waiter(self._wake, 30.0)
                continue
            except Exception:  # a bug: logged, and the loop lives on
                log.exception("the upload queue failed unexpectedly")
                await self._waiter(self._wake, 30.0)
                continue
            seconds = IDLE_WAKE if due is None else (due - self.clock()).total_seconds()
            if seconds > 0:
                await self._waiter(self._wake, min(seconds, IDLE_WAKE))


def _names(record: UploadRecord) -> dict[str, Any]:
    return {"badge_id": record.badge_id, "backpack": record.backpack}


def _failure(record: UploadRecord, error: BackpackError, *, final: bool) -> dict[str, Any]:
    return {
        **_names(record),
        "upload": upload_json(record),
        "error": {"code": error.code.name, "message": error.message},
        "final": final,
    }


def _is_due(record: UploadRecord, now: datetime) -> bool:
    if record.next_attempt_at is None:
        return True
    when = _parse(record.next_attempt_at)
    return when is None or when <= now  # an unreadable time must not strand the upload


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
