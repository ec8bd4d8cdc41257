"""Hostile and broken clients are refused, and the agent keeps serving everyone else."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, ConnectionClosedError, InvalidStatus

from agent.client import AgentClient
from agent.errors import BadgekeeperError, ErrorCode
from agent.rpc.protocol import MAX_MESSAGE_BYTES, ProtocolError
from tests.agent.conftest import ROOT, AgentProcess, serve_environment
from tests.agent.support import raw_connect

pytestmark = pytest.mark.timeout(60)


async def assert_still_serving(agent: AgentProcess) -> None:
    async with await agent.client() as client:
        assert (await client.call("agent.hello"))["protocol"] == 1


@pytest.fixture
async def raw(agent_process: AgentProcess) -> AsyncIterator[ClientConnection]:
    """A bare, authorised websocket to the agent, for hand-written frames."""
    ws = await raw_connect(agent_process.paths)
    yield ws
    await ws.close()


async def exchange(ws: ClientConnection, frame: str) -> dict[str, Any]:
    await ws.send(frame)
    reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return reply


@pytest.mark.parametrize("token", [None, "not-the-token", " "], ids=["none", "wrong", "blank"])
async def test_a_handshake_without_the_token_is_refused_with_401(
    agent_process: AgentProcess, token: str | None
) -> None:
    """No token, a wrong one, or a blank bearer: HTTP 401 and no websocket."""
    with pytest.raises(InvalidStatus) as raised:
        await raw_connect(agent_process.paths, token=token)
    assert raised.value.response.status_code == 401
    assert b"token" in raised.value.response.body
    await assert_still_serving(agent_process)


async def test_a_handshake_with_an_origin_is_refused_with_403(agent_process: AgentProcess) -> None:
    """Any Origin header (a web page), even with the right token, gets HTTP 403."""
    for origin in ("https://evil.example", "chrome-extension://abcdef", "null"):
        with pytest.raises(InvalidStatus) as raised:
            await raw_connect(agent_process.paths, origin=origin)
        assert raised.value.response.status_code == 403
    await assert_still_serving(agent_process)


async def test_the_client_reports_a_refused_token_as_unauthorized(
    agent_process: AgentProcess,
) -> None:
    """AgentClient turns a 401 for a token that stays wrong into UNAUTHORIZED, not a hang."""
    token_file = agent_process.paths.token_file
    real = token_file.read_text()
    token_file.write_text("stale-token\n")
    try:
        with pytest.raises(BadgekeeperError) as raised:
            await AgentClient.connect(agent_process.paths, timeout=3)
        assert raised.value.code is ErrorCode.UNAUTHORIZED
    finally:
        token_file.write_text(real)
    await assert_still_serving(agent_process)


@pytest.mark.heavy
async def test_an_over_size_frame_closes_that_connection_with_1009(
    agent_process: AgentProcess,
) -> None:
    """A frame over 64 MiB closes that connection with 1009 and a reason; others carry on."""
    ws = await raw_connect(agent_process.paths, max_size=None)
    with pytest.raises(ConnectionClosedError) as raised:
        await ws.send("x" * (MAX_MESSAGE_BYTES + 1))
        await asyncio.wait_for(ws.recv(), 20)
    assert raised.value.rcvd is not None
    assert raised.value.rcvd.code == 1009
    assert raised.value.rcvd.reason
    await assert_still_serving(agent_process)


async def test_the_client_refuses_to_send_an_over_size_message(
    agent_process: AgentProcess,
) -> None:
    """AgentClient raises MESSAGE_TOO_LARGE before sending a message the agent would refuse."""
    async with await agent_process.client() as client:
        with pytest.raises(BadgekeeperError) as raised:
            await client.call("badge.inspect", {"data": "A" * MAX_MESSAGE_BYTES})
        assert raised.value.code is ErrorCode.MESSAGE_TOO_LARGE
        assert (await client.call("agent.hello"))["protocol"] == 1


@pytest.mark.parametrize(
    "frame",
    ["{not json", "", "[[[[[[[[" * 20000, '{"jsonrpc": "2.0", "id": 1, "method": NaN}'],
    ids=["broken", "empty", "deep", "nan"],
)
async def test_invalid_json_gets_a_parse_error_and_the_connection_stays(
    raw: ClientConnection, frame: str
) -> None:
    """Frames that are not JSON get -32700 with a null id; the same connection still works."""
    reply = await exchange(raw, frame)
    assert reply["id"] is None
    assert reply["error"]["code"] == -32700
    again = await exchange(raw, '{"jsonrpc": "2.0", "id": 7, "method": "agent.hello"}')
    assert again["id"] == 7 and again["result"]["protocol"] == 1


async def test_binary_frames_that_are_not_utf8_get_a_parse_error(raw: ClientConnection) -> None:
    """A binary frame with invalid UTF-8 is -32700 too."""
    await raw.send(b"\xff\xfe{}")
    reply = json.loads(await asyncio.wait_for(raw.recv(), 10))
    assert reply["error"]["code"] == -32700


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ([{"jsonrpc": "2.0", "id": 1, "method": "agent.hello"}], -32600),
        ({"id": 2, "method": "agent.hello"}, -32600),
        ({"jsonrpc": "1.0", "id": 3, "method": "agent.hello"}, -32600),
        ({"jsonrpc": "2.0", "id": 4, "method": 12}, -32600),
        ({"jsonrpc": "2.0", "id": 5, "method": "agent.hello", "extra": 1}, -32600),
        ({"jsonrpc": "2.0", "id": [6], "method": "agent.hello"}, -32600),
        ({"jsonrpc": "2.0", "id": 8, "method": "badge.list", "params": [1, 2]}, -32602),
        ({"jsonrpc": "2.0", "id": 9, "method": "badge.list", "params": "x"}, -32602),
        ({"jsonrpc": "2.0", "id": 10, "method": "no.such.method"}, -32601),
        ({"jsonrpc": "2.0", "id": 11, "method": "__init__"}, -32601),
    ],
    ids=[
        "batch",
        "no-version",
        "old-version",
        "method-not-string",
        "unknown-member",
        "id-array",
        "positional-params",
        "params-string",
        "unknown-method",
        "dunder-method",
    ],
)
async def test_malformed_requests_get_their_json_rpc_error(
    raw: ClientConnection, message: Any, code: int
) -> None:
    """Batches, wrong shapes and unknown methods get the JSON-RPC code and no traceback."""
    reply = await exchange(raw, json.dumps(message))
    assert reply["error"]["code"] == code
    assert "Traceback" not in reply["error"]["message"]
    if isinstance(message, dict) and isinstance(message.get("id"), int):
        assert reply["id"] == message["id"]


async def test_notifications_are_run_but_never_answered(raw: ClientConnection) -> None:
    """A request without an id gets no reply, even when it fails."""
    await raw.send(json.dumps({"jsonrpc": "2.0", "method": "no.such.method"}))
    await raw.send(json.dumps({"jsonrpc": "2.0", "method": "agent.hello"}))
    reply = await exchange(raw, json.dumps({"jsonrpc": "2.0", "id": "x", "method": "agent.hello"}))
    assert reply["id"] == "x"


@pytest.mark.parametrize(
    ("method", "params", "param"),
    [
        ("badge.list", {"limit": "50"}, "limit"),
        ("badge.list", {"limit": 201}, "limit"),
        ("badge.list", {"limit": True}, "limit"),
        ("badge.list", {"status": "shiny"}, "status"),
        ("badge.list", {"sort": "colour"}, "sort"),
        ("badge.list", {"descending": "yes"}, "descending"),
        ("badge.list", {"colour": "red"}, "colour"),
        ("badge.get", {}, "id"),
        ("badge.get", {"id": 12}, "id"),
        ("badge.save", {}, "data"),
        ("badge.save", {"data": "not base64!"}, "data"),
        ("badge.save", {"data": "AAAA", "url": "https://x.example/a"}, "data"),
        ("badge.save", {"url": "https://x.example/a", "source": {"page": "x"}}, "source.page"),
        ("badge.save", {"url": "https://x.example/a", "source": "inbox"}, "source"),
        ("badge.thumbnail", {"id": "abcd1234", "size": 4096}, "size"),
        ("collections.move", {"id": 1, "position": -1}, "position"),
        ("emails.add", {"address": ["a@example.org"]}, "address"),
    ],
)
async def test_wrong_params_are_invalid_params_naming_the_parameter(
    agent_process: AgentProcess, method: str, params: dict[str, Any], param: str
) -> None:
    """Wrong types, missing, out-of-range or unknown parameters are -32602 naming the key."""
    async with await agent_process.client() as client:
        with pytest.raises(ProtocolError) as raised:
            await client.call(method, params)
        assert raised.value.rpc_code == -32602
        assert raised.value.param == param
        assert (await client.call("agent.hello"))["protocol"] == 1


async def test_unknown_method_is_32601_through_the_client(agent_process: AgentProcess) -> None:
    """AgentClient raises ProtocolError with -32601 for a method the agent lacks."""
    async with await agent_process.client() as client:
        with pytest.raises(ProtocolError) as raised:
            await client.call("badge.teleport")
        assert raised.value.rpc_code == -32601


async def test_a_second_serve_exits_0_and_names_the_first(agent_process: AgentProcess) -> None:
    """`badgekeeper serve` while an agent runs prints its pid and socket and exits 0."""
    second = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agent.cli",
        "serve",
        env=serve_environment(agent_process.home, None),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(second.communicate(), 30)
    assert second.returncode == 0
    text = stdout.decode()
    assert str(agent_process.process.pid) in text
    assert str(agent_process.paths.socket) in text
    await assert_still_serving(agent_process)


async def test_a_client_that_never_reads_events_is_dropped_not_waited_for(
    agent_process: AgentProcess,
) -> None:
    """A client that stops reading is closed once its event queue is full; others are served."""
    sluggish = await raw_connect(agent_process.paths, max_queue=1)
    async with await agent_process.client() as client:
        # Each change pushes an event to every client; the sluggish one reads none.
        for index in range(400):
            await client.call("collections.create", {"name": f"Flood {index}"})
        for collection in (await client.call("collections.list"))["collections"]:
            if collection["name"].startswith("Flood "):
                await client.call("collections.delete", {"id": collection["id"]})
    # Reading now drains what was buffered, then finds the connection closed (with 1008, or
    # aborted when the close handshake timed out while nobody read); a client that had not
    # been dropped would instead wait here for more events and time out.
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(sluggish.recv(), 10)
    await assert_still_serving(agent_process)
