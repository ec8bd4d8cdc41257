"""AgentClient: talk to this user's running agent over its private socket.

Rules:
- ``connect`` reaches the agent of the given home (its socket, or its loopback port on
  Windows) and presents the token from the runtime folder. With ``start=True`` it starts
  ``python -m agent.cli serve --idle-exit 600`` once when nothing answers, then retries until
  the agent answers or ``timeout`` passes. Two clients starting it at once is fine: the second
  agent finds the lock taken and exits 0, and both clients simply retry.
- Requests carry increasing integer ids; any number may be in flight on one connection, and
  each reply is matched to its request by id.
- The client owns one reader task: started by ``connect``, cancelled and awaited by ``close``.
- Errors: the agent's come back as ``BadgekeeperError`` with their ErrorCode (``data.name``),
  JSON-RPC's own as ``ProtocolError``; a refused or lost connection as ``AGENT_UNAVAILABLE``,
  ``UNAUTHORIZED``, ``ORIGIN_REFUSED``, ``AGENT_BUSY`` or ``MESSAGE_TOO_LARGE``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from websockets.asyncio.client import ClientConnection, connect, unix_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.frames import CloseCode

from agent import __version__
from agent.errors import BadgekeeperError, ErrorCode
from agent.paths import Paths, resolve_paths
from agent.rpc.protocol import (
    INVALID_PARAMS,
    MAX_MESSAGE_BYTES,
    Notification,
    ProtocolError,
    encode,
    parse_incoming,
    request_message,
)
from agent.server.auth import LOOPBACK, bearer
from agent.server.endpoint import Transport, default_transport
from agent.server.launch import START_LOG, reap_launcher, start_agent
from agent.server.runtime_files import read_port, read_token

if TYPE_CHECKING:
    from agent.rpc.services import AgentServices

log = logging.getLogger(__name__)

EVENT_BUFFER = 10_000
_RETRY_FIRST, _RETRY_MAX = 0.02, 0.2


class _Attempt(Exception):
    """Why one connection attempt failed, and whether trying again (or starting) may help.

    ``absent``: nothing listens, so starting the agent may help. ``final``: retrying cannot.
    """

    def __init__(self, error: BadgekeeperError, *, absent: bool = False, final: bool = False):
        super().__init__(error.message)
        self.error = error
        self.absent = absent
        self.final = final


def _unavailable(message: str) -> BadgekeeperError:
    return BadgekeeperError(ErrorCode.AGENT_UNAVAILABLE, message)


class EventStream:
    """The agent's events from the moment ``AgentClient.events()`` was called.

    Iterate with ``async for event, params in stream``; the iteration ends when the connection
    closes. A stream not read while ``EVENT_BUFFER`` events arrive ends with ``AGENT_BUSY``
    instead of growing without bound.
    """

    def __init__(self, streams: set[EventStream], limit: int = EVENT_BUFFER) -> None:
        self._streams = streams
        self._limit = limit
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue()
        self._ended = False
        self._overflowed = False
        streams.add(self)

    def push(self, event: str, params: dict[str, Any]) -> None:
        if self._ended:
            return
        if self._queue.qsize() >= self._limit:
            self._overflowed = True
            self.close()
            return
        self._queue.put_nowait((event, params))

    def close(self) -> None:
        """Stop receiving; the iteration ends after the events already received."""
        self._streams.discard(self)
        if not self._ended:
            self._ended = True
            self._queue.put_nowait(None)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> tuple[str, dict[str, Any]]:
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)  # stay ended for the next call
            if self._overflowed:
                raise BadgekeeperError(
                    ErrorCode.AGENT_BUSY,
                    "Events arrived faster than they were read and some were dropped. Read the "
                    "current state again (badge.list, settings.get).",
                )
            raise StopAsyncIteration
        return item


class AgentClient:
    """One connection to the agent. Use ``await AgentClient.connect()``, then ``call``."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[tuple[Any, BadgekeeperError | None]]] = {}
        self._streams: set[EventStream] = set()
        self._closed_error: BadgekeeperError | None = None
        self._reader = asyncio.get_running_loop().create_task(
            self._read(), name="agent-client:read"
        )

    @classmethod
    async def connect(
        cls,
        paths: Paths | None = None,
        *,
        start: bool = False,
        timeout: float = 5.0,
        transport: Transport | None = None,
    ) -> AgentClient:
        """Connect to the agent of ``paths`` (default: this environment's home).

        ``transport`` is this platform's (Unix socket; loopback TCP on Windows) unless given.
        """
        paths = paths or resolve_paths()
        transport = transport or default_transport()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        launcher: subprocess.Popen[bytes] | None = None
        delay = _RETRY_FIRST
        try:
            while True:
                try:
                    ws = await _open(paths, transport, max(deadline - loop.time(), 0.5))
                    return cls(ws)
                except _Attempt as attempt:
                    if attempt.final or (attempt.absent and not start):
                        raise attempt.error from None
                    if attempt.absent and launcher is None:
                        launcher = start_agent(paths)
                    if loop.time() + delay >= deadline:
                        raise _gave_up(attempt.error, paths, timeout, launcher) from None
                await asyncio.sleep(delay)
                delay = min(delay * 1.5, _RETRY_MAX)
        finally:
            if launcher is not None:
                await reap_launcher(launcher)

    async def __aenter__(self) -> AgentClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def closed(self) -> bool:
        return self._closed_error is not None

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Call ``method`` and return its result; raise the agent's error as an exception."""
        if self._closed_error is not None:
            raise BadgekeeperError(self._closed_error.code, self._closed_error.message)
        request_id = next(self._ids)
        try:
            data = encode(request_message(request_id, method, params)).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise ProtocolError(
                INVALID_PARAMS, f"The params of {method} cannot be sent as JSON ({exc})."
            ) from exc
        if len(data) > MAX_MESSAGE_BYTES:
            raise BadgekeeperError(ErrorCode.MESSAGE_TOO_LARGE)
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self._ws.send(data, text=True)
            result, error = await future
        except ConnectionClosed as exc:
            raise _closed_error(exc) from None
        finally:
            self._pending.pop(request_id, None)
        if error is not None:
            raise error
        return result

    def events(self) -> EventStream:
        """Events pushed from now on, as ``(event, params)``; see :class:`EventStream`."""
        stream = EventStream(self._streams)
        if self._closed_error is not None:
            stream.close()
        return stream

    async def close(self) -> None:
        """Close the connection and wait for the reader task to end."""
        try:
            await self._ws.close()
        finally:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self) -> None:
        error = _unavailable("The connection to the agent was closed.")
        try:
            async for frame in self._ws:
                self._receive(frame)
        except ConnectionClosed as exc:
            error = _closed_error(exc)
        finally:
            self._shut(error)

    def _receive(self, frame: str | bytes) -> None:
        try:
            message = parse_incoming(frame)
        except ProtocolError as exc:
            log.warning("the agent sent an unreadable message: %s", exc.message)
            return
        if isinstance(message, Notification):
            for stream in list(self._streams):
                stream.push(message.method, message.params)
            return
        future = self._pending.get(message.id) if isinstance(message.id, int) else None
        if future is not None and not future.done():
            future.set_result((message.result, message.error))

    def _shut(self, error: BadgekeeperError) -> None:
        self._closed_error = error
        for future in self._pending.values():
            if not future.done():
                future.set_exception(BadgekeeperError(error.code, error.message))
        self._pending.clear()
        for stream in list(self._streams):
            stream.close()


def _closed_error(exc: ConnectionClosed) -> BadgekeeperError:
    code = exc.rcvd.code if exc.rcvd is not None else None
    if code == CloseCode.MESSAGE_TOO_BIG:
        return BadgekeeperError(ErrorCode.MESSAGE_TOO_LARGE)
    if code == CloseCode.POLICY_VIOLATION:
        return BadgekeeperError(
            ErrorCode.AGENT_BUSY,
            "The agent dropped this connection because its events were not read in time. "
            "Connect again.",
        )
    if code == CloseCode.GOING_AWAY:
        return _unavailable("The agent stopped. Connect again; it starts when it is needed.")
    return _unavailable("The connection to the agent was lost. Connect again.")


async def _open(paths: Paths, transport: Transport, timeout: float) -> ClientConnection:
    """One connection attempt; ``_Attempt`` says why it failed."""
    token = read_token(paths)
    if token is None:
        raise _Attempt(_unavailable("The Badgekeeper agent is not running."), absent=True)
    options: dict[str, Any] = {
        "additional_headers": {"Authorization": bearer(token)},
        "user_agent_header": f"badgekeeper-client/{__version__}",
        "compression": None,
        "max_size": MAX_MESSAGE_BYTES,
        "open_timeout": timeout,
        "close_timeout": 2.0,
    }
    try:
        if transport == "unix":
            return await unix_connect(os.fspath(paths.socket), uri="ws://localhost/", **options)
        port = read_port(paths)
        if port is None:
            raise _Attempt(_unavailable("The Badgekeeper agent is not running."), absent=True)
        # proxy=None: never send the token through a proxy named in the environment.
        return await connect(f"ws://{LOOPBACK}:{port}/", proxy=None, **options)
    except InvalidStatus as exc:
        raise _refused(exc.response.status_code, token, paths) from None
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        raise _Attempt(_unavailable("The Badgekeeper agent is not running."), absent=True) from exc
    except (OSError, InvalidHandshake, asyncio.TimeoutError) as exc:
        raise _Attempt(_unavailable(f"The agent did not answer ({exc}).")) from exc


def _refused(status: int, token: str, paths: Paths) -> _Attempt:
    if status == 401:
        # A token read just before the agent restarted is stale: worth one more try.
        changed = read_token(paths) != token
        return _Attempt(BadgekeeperError(ErrorCode.UNAUTHORIZED), final=not changed)
    if status == 403:
        return _Attempt(BadgekeeperError(ErrorCode.ORIGIN_REFUSED), final=True)
    if status == 503:
        return _Attempt(BadgekeeperError(ErrorCode.AGENT_BUSY))
    return _Attempt(_unavailable(f"The agent refused the connection (HTTP {status})."), final=True)


def _gave_up(
    error: BadgekeeperError,
    paths: Paths,
    timeout: float,
    launcher: subprocess.Popen[bytes] | None,
) -> BadgekeeperError:
    if error.code is not ErrorCode.AGENT_UNAVAILABLE:
        return error
    started = " It was started but did not answer;" if launcher is not None else ""
    return _unavailable(
        f"The Badgekeeper agent did not answer within {timeout:g} s.{started} see "
        f"{paths.logs / START_LOG} and {paths.logs / 'agent.log'}, or run `badgekeeper serve` "
        "in a terminal to see why."
    )


class MethodCaller(Protocol):
    """Calls the agent's methods, over the socket or in this process."""

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any: ...


class LocalCaller:
    """The agent's handlers run in this process (the CLI when no agent runs).

    Params go through JSON first, so a handler sees exactly what it would over the socket.
    """

    def __init__(self, services: AgentServices) -> None:
        self._services = services

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        from agent.rpc.methods import dispatch

        try:
            wire = json.loads(encode({"params": params}))["params"]
        except (TypeError, ValueError) as exc:
            raise ProtocolError(
                INVALID_PARAMS, f"The params of {method} cannot be sent as JSON ({exc})."
            ) from exc
        return await dispatch(self._services, method, wire)


@asynccontextmanager
async def connect_or_local(
    paths: Paths | None = None, *, timeout: float = 5.0
) -> AsyncIterator[MethodCaller]:
    """The running agent if there is one, else the same handlers on the same library here.

    Both may write at once safely (SQLite WAL with a busy timeout); only the agent pushes
    events to other clients.
    """
    client: AgentClient | None = None
    try:
        client = await AgentClient.connect(paths, timeout=timeout)
    except BadgekeeperError as exc:
        if exc.code is not ErrorCode.AGENT_UNAVAILABLE:
            raise
    if client is not None:
        async with client:
            yield client
        return
    # Imported here: the library, fetcher and verifier are only needed without an agent.
    from agent.server.services import open_services

    async with open_services(paths or resolve_paths()) as services:
        yield LocalCaller(services)
