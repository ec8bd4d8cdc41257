"""The host against a scripted agent on the real socket (a seam): what the real agent does not
do on demand — replies and events over 1 MiB, a refused token, a close mid-request, pings."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, unix_serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tests.host.conftest import HostFactory
from tests.host.support import CHROME_ORIGIN, paths_for, request

pytestmark = pytest.mark.timeout(60)

TOKEN = "fake-agent-token"
BIG = 1024 * 1024 + 10
Script = Callable[[ServerConnection], Awaitable[None]]


class FakeAgent:
    """A websocket server where the agent would listen, running ``script`` per connection."""

    def __init__(self, home: Path, script: Script, *, refuse: int | None = None, **options: Any):
        self.paths = paths_for(home)
        self.script = script
        self.refuse = refuse
        self.options = options
        self.headers: list[Headers] = []
        self.connections = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def _process_request(self, connection: ServerConnection, req: Request) -> Response | None:
        self.headers.append(req.headers)
        if self.refuse is not None:
            return connection.respond(self.refuse, "refused\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        await self.script(ws)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.paths.runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.paths.token_file.write_text(TOKEN + "\n")
        async with unix_serve(
            self._handler,
            os.fspath(self.paths.socket),
            process_request=self._process_request,
            compression=None,
            max_size=64 * 1024 * 1024,
            **self.options,
        ):
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> FakeAgent:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def reply_to(message: str | bytes, result: Any) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": json.loads(message)["id"], "result": result})


@pytest.fixture
def fake_home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "fake"
    home.mkdir()
    yield home


def test_handshake_carries_the_token_and_no_origin(
    spawn_host: HostFactory, fake_home: Path
) -> None:
    """The host presents the token from the runtime folder and never sends Origin."""

    async def echo(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(reply_to(message, "pong"))

    with FakeAgent(fake_home, echo) as agent:
        host = spawn_host([CHROME_ORIGIN], fake_home)
        assert host.call(1, "agent.hello")["result"] == "pong"
        (headers,) = agent.headers
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert "Origin" not in headers
        assert "Sec-WebSocket-Extensions" not in headers


def test_oversized_reply_and_event(spawn_host: HostFactory, fake_home: Path) -> None:
    """A reply over 1 MiB becomes RESULT_TOO_LARGE for its id; an event over 1 MiB is dropped
    with one line on stderr; smaller messages after them still arrive."""

    async def oversized(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(reply_to(message, "x" * BIG))
            big_event = {"jsonrpc": "2.0", "method": "badge.saved", "params": {"x": "y" * BIG}}
            await ws.send(json.dumps(big_event))
            await ws.send(json.dumps({"jsonrpc": "2.0", "method": "badge.deleted", "params": {}}))

    with FakeAgent(fake_home, oversized):
        host = spawn_host([CHROME_ORIGIN], fake_home)
        reply = host.call("big", "badge.export", {"id": "abcd"})
        assert reply["id"] == "big"
        assert reply["error"]["data"]["name"] == "RESULT_TOO_LARGE"
        assert host.receive()["method"] == "badge.deleted"
        host.close_stdin()
        assert host.wait() == 0
        stderr = host.stderr_text()
        assert "dropped an event" in stderr and "Traceback" not in stderr


def test_refused_token_is_reported_as_unauthorized(
    spawn_host: HostFactory, fake_home: Path
) -> None:
    """An agent answering 401 to the handshake gives the extension UNAUTHORIZED, not a hang."""

    async def never(ws: ServerConnection) -> None:
        raise AssertionError("no connection should be accepted")

    with FakeAgent(fake_home, never, refuse=401):
        host = spawn_host([CHROME_ORIGIN], fake_home)
        reply = host.call(1, "agent.hello")
        assert reply["error"]["data"]["name"] == "UNAUTHORIZED"
        assert reply["error"]["code"] == 1701


def test_close_mid_request_then_reconnect(spawn_host: HostFactory, fake_home: Path) -> None:
    """The agent closing (1001) with a request unanswered: AGENT_UNAVAILABLE for that id, then
    the host connects again and the next request is answered."""

    async def close_first(ws: ServerConnection) -> None:
        async for message in ws:
            if json.loads(message)["id"] == 1:
                await ws.close(1001, "the agent is stopping")
                return
            await ws.send(reply_to(message, "second connection"))

    with FakeAgent(fake_home, close_first) as agent:
        host = spawn_host([CHROME_ORIGIN], fake_home)
        reply = host.call(1, "badge.save", {"data": ""})
        assert reply["error"]["data"]["name"] == "AGENT_UNAVAILABLE"
        assert host.call(2, "agent.hello")["result"] == "second connection"
        assert agent.connections == 2


def test_pings_are_answered_and_fragments_reassembled(
    spawn_host: HostFactory, fake_home: Path
) -> None:
    """An agent pinging every 50 ms keeps the host connected; a fragmented reply arrives whole."""

    async def slow_fragments(ws: ServerConnection) -> None:
        async for message in ws:
            await asyncio.sleep(0.6)  # several pings go by, each needs a pong within 0.3 s
            text = reply_to(message, "fragmented " * 1000)
            await ws.send(iter([text[:10], text[10:5000], text[5000:]]))

    with FakeAgent(fake_home, slow_fragments, ping_interval=0.05, ping_timeout=0.3) as agent:
        host = spawn_host([CHROME_ORIGIN], fake_home)
        for request_id in (1, 2):
            host.send(request(request_id, "agent.hello"))
            assert host.receive()["result"] == "fragmented " * 1000
        assert agent.connections == 1
