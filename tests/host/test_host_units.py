"""The host's pure parts: framing, reply ids, its copy of the agent's paths and error codes,
and what it imports at start-up."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import ErrorCode
from agent.paths import resolve_paths
from native_host import errors
from native_host.framing import (
    MAX_INCOMING,
    EndOfInput,
    OversizedFrame,
    TruncatedFrame,
    encode_frame,
    read_frame,
    skip_frame_body,
)
from native_host.locations import agent_locations
from native_host.relay import reply_id
from tests.host.support import HEADER, ROOT


class Trickle(io.RawIOBase):
    """A stream that hands out at most ``step`` bytes per read, like a pipe under load."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._step = step

    def read(self, size: int = -1) -> bytes:
        chunk, self._data = self._data[: min(size, self._step)], self._data[min(size, self._step) :]
        return chunk


def test_frames_round_trip_even_when_the_pipe_trickles() -> None:
    """encode_frame and read_frame agree, whatever size the reads come in."""
    payloads = [b"{}", b"x" * 70_000, b""]
    stream = Trickle(b"".join(encode_frame(p) for p in payloads), step=7)
    assert [read_frame(stream.read) for _ in payloads] == payloads
    with pytest.raises(EndOfInput):
        read_frame(stream.read)


def test_framing_errors_are_told_apart() -> None:
    """Cut inside the length, cut inside the body, and over the limit are distinct errors."""
    with pytest.raises(TruncatedFrame):
        read_frame(io.BytesIO(b"\x01\x00").read)
    with pytest.raises(TruncatedFrame):
        read_frame(io.BytesIO(HEADER.pack(10) + b"abc").read)
    with pytest.raises(OversizedFrame) as oversized:
        read_frame(io.BytesIO(HEADER.pack(MAX_INCOMING + 1)).read)
    assert oversized.value.length == MAX_INCOMING + 1
    assert read_frame(io.BytesIO(HEADER.pack(3) + b"abc").read, limit=3) == b"abc"


def test_skip_frame_body_reads_exactly_the_length() -> None:
    """Skipping leaves the stream at the next frame, or reports the stream ended."""
    stream = io.BytesIO(b"z" * 5_000_000 + encode_frame(b"next"))
    assert skip_frame_body(stream.read, 5_000_000)
    assert read_frame(stream.read) == b"next"
    assert not skip_frame_body(io.BytesIO(b"short").read, 10)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"jsonrpc":"2.0","id":7,"result":{"a":1}}', (True, 7)),
        (b'{"jsonrpc":"2.0","id":"x\\"y","result":null}', (True, 'x"y')),
        (b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700}}', (True, None)),
        (b'{"id": 3, "jsonrpc": "2.0", "result": 1}', (True, 3)),
        (b'{"jsonrpc":"2.0","method":"badge.saved","params":{}}', (False, None)),
        (b"not json", (False, None)),
    ],
)
def test_reply_id_reads_the_id_without_parsing_the_result(
    data: bytes, expected: tuple[bool, object]
) -> None:
    """Replies are told from events and their id read (fast path or full parse)."""
    assert reply_id(data) == expected


def test_host_error_codes_are_the_agents() -> None:
    """The host's copy of the codes it answers equals agent.errors.ErrorCode."""
    for name, number in errors.CODE_NUMBERS.items():
        assert ErrorCode[name].number == number


homes = st.lists(
    st.sampled_from(["a", "b c", ".", "..", "", "~", "é", "x" * 60, "//", "/"]), max_size=6
).map(lambda parts: "/".join(parts))


@settings(max_examples=300, deadline=None)
@given(home=homes, absolute=st.booleans())
def test_host_paths_equal_agent_paths(home: str, absolute: bool) -> None:
    """For any BADGEKEEPER_HOME the host computes the very socket and token paths the agent
    uses, including the hashed socket of a long home."""
    text = ("/tmp/" if absolute else "") + home
    if not text:
        return  # an empty BADGEKEEPER_HOME means "not set"
    environ = {"BADGEKEEPER_HOME": text}
    ours, theirs = agent_locations(environ), resolve_paths(environ)
    assert ours.socket == str(theirs.socket)
    assert ours.token_file == str(theirs.token_file)
    assert ours.runtime == str(theirs.runtime)
    assert ours.logs == str(theirs.logs)


def test_host_paths_without_a_home_follow_platformdirs() -> None:
    """Without BADGEKEEPER_HOME the host asks platformdirs exactly as agent.paths does."""
    ours, theirs = agent_locations({}), resolve_paths({})
    assert (ours.socket, ours.logs) == (str(theirs.socket), str(theirs.logs))


def test_host_start_up_imports_only_what_the_relay_needs(tmp_path: Path) -> None:
    """Importing the host's modules pulls in no agent module, websockets, aiohttp, asyncio,
    platformdirs, typing or dataclasses (each costs start-up time or memory)."""
    probe = (
        "import sys, native_host.__main__, native_host.relay, native_host.agent_link, "
        "native_host.locations; "
        "from native_host.locations import agent_locations; "
        "agent_locations({'BADGEKEEPER_HOME': '/tmp/h'}); "
        "print('\\n'.join(sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {probe}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    loaded = set(result.stdout.split())
    banned = {"websockets", "aiohttp", "asyncio", "platformdirs", "typing", "dataclasses", "agent"}
    assert loaded & banned == set()
    assert not any(name.startswith("agent.") for name in loaded)


def test_builtin_ids_file_is_found_by_the_host() -> None:
    """The host finds agent/install/extension_ids.json by path, without importing agent."""
    from native_host.__main__ import builtin_ids_file

    document = json.loads(Path(builtin_ids_file()).read_text())
    assert document["allowed"]["chrome"]
