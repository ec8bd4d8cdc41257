"""The agent from start to stop.

Rules:
- Start: the caller holds the single-instance lock; a fresh token is written before the socket
  is bound, so whoever can connect can also read the token that lets them in.
- Stop (SIGTERM, SIGINT, idle exit, or ``stop`` set by the caller): stop accepting, let the
  requests in flight finish and answer (``grace`` seconds), close every connection, remove the
  socket and the token, then close the library (which finishes its writes) and the fetcher.
- Every task started here is owned (``TaskOwner``) and awaited before ``run_agent`` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from agent import __version__
from agent.paths import Paths
from agent.rpc.protocol import MAX_MESSAGE_BYTES
from agent.rpc.services import AgentServices
from agent.server.auth import Refusal, judge_handshake
from agent.server.connection import ClientSession, SessionLimits
from agent.server.endpoint import (
    BACKLOG,
    Endpoint,
    Transport,
    bind_endpoint,
    default_transport,
    release_endpoint,
)
from agent.server.events import EventBus
from agent.server.idle import Activity, stop_when_idle
from agent.server.lock import InstanceLock
from agent.server.runtime_files import new_token, remove_runtime_files, write_token
from agent.server.services import open_services
from agent.server.tasks import TaskOwner
from agent.sync import engine_for

log = logging.getLogger(__name__)

CLOSE_TIMEOUT = 5.0


@dataclass(frozen=True)
class AgentOptions:
    """How the agent runs. ``idle_exit`` 0 means never."""

    idle_exit: float = 0.0
    transport: Transport = field(default_factory=default_transport)
    grace: float = 10.0
    max_connections: int = 256
    max_in_flight: int = 16
    max_message_bytes: int = MAX_MESSAGE_BYTES
    handle_signals: bool = True


def handshake_guard(
    token: str, endpoint: Endpoint, activity: Activity, max_connections: int
) -> Callable[[ServerConnection, Request], Response | None]:
    """websockets' ``process_request``: refuse before the upgrade, or let the request in."""
    tcp_port = endpoint.port if endpoint.transport == "tcp" else None

    def guard(connection: ServerConnection, request: Request) -> Response | None:
        refusal = judge_handshake(request.headers, token, tcp_port=tcp_port)
        if refusal is None and activity.connected >= max_connections:
            refusal = Refusal(503, "The agent has too many connections; try again shortly.\n")
        if refusal is None:
            return None
        log.info("refused a connection: HTTP %d", refusal.status)
        response = connection.respond(refusal.status, refusal.reason)
        if refusal.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    return guard


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event, enabled: bool) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` (restored on exit)."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    if enabled:
        for signum in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(signum, stop.set)
                installed.append(signum)
            except (NotImplementedError, RuntimeError):  # Windows: no loop signal handlers
                signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def run_agent(
    paths: Paths,
    lock: InstanceLock,
    options: AgentOptions,
    *,
    stop: asyncio.Event | None = None,
    on_token: Callable[[str], None] | None = None,
    on_ready: Callable[[Endpoint], None] | None = None,
) -> None:
    """Serve until stopped. ``on_token`` registers the token with the log redactor."""
    if not lock.held:
        raise RuntimeError("run_agent needs the single-instance lock held")
    stop = stop or asyncio.Event()
    token = new_token()
    if on_token is not None:
        on_token(token)
    write_token(paths, token)
    try:
        bus = EventBus()
        async with open_services(paths, events=bus) as services:
            endpoint = bind_endpoint(paths, lock, options.transport)
            try:
                lock.record(endpoint.describe())
                await _serve(endpoint, services, bus, token, options, stop, on_ready)
            finally:
                release_endpoint(endpoint, paths)
            log.info("connections closed; closing the library")
    finally:
        remove_runtime_files(paths)
    log.info("agent stopped")


async def _serve(
    endpoint: Endpoint,
    services: AgentServices,
    bus: EventBus,
    token: str,
    options: AgentOptions,
    stop: asyncio.Event,
    on_ready: Callable[[Endpoint], None] | None,
) -> None:
    activity = Activity()
    stopping = asyncio.Event()
    limits = SessionLimits(max_in_flight=options.max_in_flight, grace=options.grace)

    async def handler(ws: ServerConnection) -> None:
        with activity.client():
            await ClientSession(ws, services, bus, stopping, limits).run()

    # The socket is already bound (Unix or TCP alike); asyncio's create_server takes either.
    server = await serve(
        handler,
        sock=endpoint.sock,
        process_request=handshake_guard(token, endpoint, activity, options.max_connections),
        compression=None,  # local socket: compressing costs CPU and saves nothing
        server_header=None,
        max_size=options.max_message_bytes,
        max_queue=4,
        close_timeout=CLOSE_TIMEOUT,
        backlog=BACKLOG,
    )
    async with TaskOwner("agent") as owner:
        with stop_on_signals(stop, options.handle_signals):
            if options.idle_exit > 0:
                owner.start(stop_when_idle(activity, options.idle_exit, stop), name="idle-exit")
            owner.start(engine_for(services).run_forever(), name="sync")
            log.info(
                "badgekeeper agent %s listening on %s (pid %d)",
                __version__,
                endpoint.describe(),
                os.getpid(),
            )
            if on_ready is not None:
                on_ready(endpoint)
            await stop.wait()
            log.info("stopping: %d client(s) connected", activity.connected)
            await _shut_down(server, stopping, options.grace)


async def _shut_down(server: Server, stopping: asyncio.Event, grace: float) -> None:
    # Stop accepting (handshakes in progress get 503) but leave open connections to their
    # sessions, which finish their requests before closing.
    server.close(close_connections=False)
    stopping.set()
    try:
        await asyncio.wait_for(server.wait_closed(), grace + CLOSE_TIMEOUT + 1)
    except asyncio.TimeoutError:
        log.warning("connections did not close in time; aborting them")
        for task in list(server.handler_tasks):
            task.cancel()
        if server.handler_tasks:
            await asyncio.wait(set(server.handler_tasks))
