"""The host process and its stdio framing: every malformed input gets an answer or a clean exit,
never a traceback, and the host keeps serving after an error it could answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.host.conftest import HostFactory
from tests.host.support import CHROME_ORIGIN, HEADER, request

pytestmark = pytest.mark.timeout(60)


def assert_clean_stderr(text: str) -> None:
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) <= 1


def test_relays_agent_hello(spawn_host: HostFactory, agent_home: Path) -> None:
    """A request from the extension reaches the agent and its reply comes back unchanged."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    reply = host.call(1, "agent.hello", {"client": "test"})
    assert reply["id"] == 1
    assert reply["result"]["agent"] == "badgekeeper"
    assert reply["result"]["home"] == str(agent_home / "data")


def test_unknown_method_passes_through_unchanged(spawn_host: HostFactory, agent_home: Path) -> None:
    """The agent's -32601 reaches the extension as the agent wrote it."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    reply = host.call("a", "no.such.method")
    assert reply["id"] == "a"
    assert reply["error"]["code"] == -32601


def test_string_and_integer_ids_are_kept_apart(spawn_host: HostFactory, agent_home: Path) -> None:
    """Replies keep their ids exactly, "1" and 1 included."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    host.send(request("1", "agent.hello"))
    host.send(request(1, "agent.hello"))
    ids = {json.dumps(host.receive()["id"]), json.dumps(host.receive()["id"])}
    assert ids == {'"1"', "1"}


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"", -32700),
        (b"{not json", -32700),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "agent.hello", "params": NaN}', -32700),
        (b"\xff\xfe\x00garbage", -32700),
        (b"[" * 100_000 + b"]" * 100_000, -32700),
        (b'[{"jsonrpc": "2.0", "id": 1, "method": "agent.hello"}]', -32600),
        (b"42", -32600),
    ],
    ids=["empty", "invalid-json", "nan", "bad-utf8", "deep-nesting", "batch", "number"],
)
def test_malformed_message_is_answered_and_the_host_keeps_serving(
    spawn_host: HostFactory, agent_home: Path, payload: bytes, code: int
) -> None:
    """Not UTF-8, not JSON, not an object: a JSON-RPC error with a null id, then normal service."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    host.send(payload)
    reply = host.receive()
    assert reply["error"]["code"] == code
    assert reply["id"] is None
    assert host.call(2, "agent.hello")["result"]["agent"] == "badgekeeper"


def test_oversized_message_is_refused_and_skipped(
    spawn_host: HostFactory, agent_home: Path
) -> None:
    """A message over 64 MiB gets MESSAGE_TOO_LARGE; its bytes are skipped, the next is served."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    length = 64 * 1024 * 1024 + 1
    host.write(HEADER.pack(length))
    chunk = b" " * (1024 * 1024)
    for _ in range(length // len(chunk)):
        host.write(chunk)
    host.write(b" " * (length % len(chunk)))
    reply = host.receive()
    assert reply["error"]["data"]["name"] == "MESSAGE_TOO_LARGE"
    assert host.call(3, "agent.hello")["result"]["agent"] == "badgekeeper"


def test_large_message_under_the_limit_is_relayed(
    spawn_host: HostFactory, agent_home: Path
) -> None:
    """A multi-megabyte request (a badge image) goes through to the agent."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    data = "A" * (6 * 1024 * 1024)  # base64 of 4.5 MiB of zero-ish bytes: no badge
    reply = host.call(4, "badge.inspect", {"data": data})
    assert reply["result"]["badge"] is False


def test_huge_length_then_end_of_input_exits_cleanly(
    spawn_host: HostFactory, agent_home: Path
) -> None:
    """A length of 4 GiB and then nothing: an error reply, then exit 1 with no traceback."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    host.write(HEADER.pack(0xFFFFFFFF) + b"{}")
    reply = host.receive()
    assert reply["error"]["data"]["name"] == "MESSAGE_TOO_LARGE"
    host.close_stdin()
    assert host.wait() == 1
    assert_clean_stderr(host.stderr_text())


@pytest.mark.parametrize(
    "tail",
    [b"\x05\x00", HEADER.pack(100) + b'{"jsonrpc"'],
    ids=["inside-the-length", "inside-the-body"],
)
def test_input_ending_inside_a_frame_answers_and_exits(
    spawn_host: HostFactory, agent_home: Path, tail: bytes
) -> None:
    """End of input mid-frame: a -32700 'cut short' reply, exit 1, one line on stderr."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    host.write(tail)
    host.close_stdin()
    reply = host.receive()
    assert reply["error"]["code"] == -32700
    assert "cut short" in reply["error"]["message"]
    assert host.wait() == 1
    assert_clean_stderr(host.stderr_text())


def test_closing_stdin_exits_zero(spawn_host: HostFactory, agent_home: Path) -> None:
    """The browser closing the port (stdin at a frame boundary) ends the host with 0."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    assert host.call(5, "agent.hello")["id"] == 5
    host.close_stdin()
    assert host.wait() == 0
    assert host.stderr_text() == ""


def test_notification_gets_no_reply(spawn_host: HostFactory, agent_home: Path) -> None:
    """A message without id is relayed but nobody answers it."""
    host = spawn_host([CHROME_ORIGIN], agent_home)
    host.send(json.dumps({"jsonrpc": "2.0", "method": "agent.hello"}).encode())
    host.send(request(6, "agent.hello"))
    assert host.receive()["id"] == 6
