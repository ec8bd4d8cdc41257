"""One client connection: read requests, run them concurrently, answer each, push events.

Rules:
- At most ``max_in_flight`` requests of one connection run at once; the next frame is read only
  when one finishes, so a client that floods is slowed by its own socket, not answered errors.
- Every request is answered exactly once (a notification never); a frame that is not a valid
  request gets its JSON-RPC error and the connection stays open.
- A request whose client has left still runs to its end (a save completes and is durable); only
  its reply is dropped.
- When the agent stops: reading stops, requests in flight get ``grace`` seconds to finish and
  answer, then the connection is closed with 1001.
- A client that falls behind on events (the bus dropped it) is closed with 1008.
- Log lines name the method, the outcome and the time taken; never the params.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed, ConnectionClosedError
from websockets.frames import CloseCode

from agent.errors import BadgekeeperError
from agent.rpc.methods import TABLE, dispatch
from agent.rpc.protocol import (
    ProtocolError,
    Request,
    encode,
    error_message,
    parse_request,
    result_message,
)
from agent.rpc.services import AgentServices
from agent.server.events import EventBus, Subscription
from agent.server.tasks import TaskOwner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionLimits:
    max_in_flight: int = 16
    grace: float = 10.0


class ClientSession:
    """Serves one websocket connection until the client leaves or the agent stops."""

    def __init__(
        self,
        ws: ServerConnection,
        services: AgentServices,
        bus: EventBus,
        stopping: asyncio.Event,
        limits: SessionLimits,
    ) -> None:
        self._ws = ws
        self._services = services
        self._bus = bus
        self._stopping = stopping
        self._limits = limits

    async def run(self) -> None:
        with self._bus.subscription() as events:
            async with TaskOwner("requests") as requests, TaskOwner("session") as session:
                reader = session.start(self._read(requests), name="read")
                session.start(self._push(events), name="events")
                stopping = session.start(self._stopping.wait(), name="stopping")
                overflow = session.start(events.overflowed.wait(), name="overflow")
                await asyncio.wait(
                    {reader, stopping, overflow}, return_when=asyncio.FIRST_COMPLETED
                )
                reader.cancel()  # websockets: cancelling recv() loses no data
                if overflow.done():
                    await self._ws.close(CloseCode.POLICY_VIOLATION, "events were not read in time")
                if not stopping.done():
                    # The client left (or was dropped): its requests still finish, unless the
                    # agent starts stopping meanwhile.
                    drained = session.start(requests.wait(), name="drain")
                    await asyncio.wait({drained, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if stopping.done():
                    if not await requests.wait(self._limits.grace):
                        log.warning(
                            "requests still running after %g s; cancelled", self._limits.grace
                        )
                    await self._ws.close(CloseCode.GOING_AWAY, "the agent is stopping")

    async def _read(self, requests: TaskOwner) -> None:
        slots = asyncio.Semaphore(self._limits.max_in_flight)
        try:
            async for frame in self._ws:
                await slots.acquire()
                requests.start(self._answer(frame, slots), name="request")
        except ConnectionClosedError as exc:
            # Over-size frames end here: websockets closed with 1009 and its reason.
            log.info("connection closed with an error: %s", exc)

    async def _push(self, events: Subscription) -> None:
        while True:
            text = await events.queue.get()
            try:
                await self._ws.send(text)
            except ConnectionClosed:
                return

    async def _answer(self, frame: str | bytes, slots: asyncio.Semaphore) -> None:
        try:
            try:
                request = parse_request(frame)
            except ProtocolError as exc:
                log.info("refused a message: %s", exc.message)
                await self._send(error_message(exc.request_id, exc))
                return
            del frame  # a save's frame can be tens of MB; keep only the parsed request
            reply = await self._run(request)
            if not request.notification:
                await self._send(reply)
        finally:
            slots.release()

    async def _run(self, request: Request) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            result = await dispatch(self._services, request.method, request.params)
            reply, outcome = result_message(request.id, result), "ok"
        except BadgekeeperError as exc:
            reply, outcome = error_message(request.id, exc), exc.code.name
        except Exception as exc:
            log.exception("%s failed unexpectedly", request.method)
            reply, outcome = error_message(request.id, exc), "INTERNAL_ERROR"
        entry = TABLE.get(request.method)
        level = logging.INFO if entry is not None and entry.writes else logging.DEBUG
        if outcome != "ok":
            level = logging.INFO
        log.log(
            level,
            "%s %s in %.1f ms",
            request.method if entry is not None else "(unknown method)",
            outcome,
            (time.perf_counter() - started) * 1000,
        )
        return reply

    async def _send(self, message: dict[str, Any]) -> None:
        try:
            text = encode(message)
        except (TypeError, ValueError) as exc:
            log.exception("a reply could not be encoded")
            text = encode(error_message(message.get("id"), exc))
        with contextlib.suppress(ConnectionClosed):  # the client left; its request ran anyway
            await self._ws.send(text)
