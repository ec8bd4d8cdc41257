"""The host's minimal websocket client: handshake checks and frame handling against raw bytes
written by the other end of a socket pair."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from native_host.websocket import (
    OP_PONG,
    ConnectionLost,
    HandshakeRefused,
    WebSocket,
    accept_value,
    check_handshake_response,
    frame_header,
    handshake_request,
    mask,
)

pytestmark = pytest.mark.timeout(20)


def server_frame(opcode: int, payload: bytes, *, final: bool = True, masked: bool = False) -> bytes:
    first = (0x80 if final else 0) | opcode
    length = len(payload)
    key = b"\x01\x02\x03\x04" if masked else b""
    bit = 0x80 if masked else 0
    if length < 126:
        head = struct.pack("!BB", first, bit | length)
    elif length < 65536:
        head = struct.pack("!BBH", first, bit | 126, length)
    else:
        head = struct.pack("!BBQ", first, bit | 127, length)
    return head + key + (mask(payload, key) if masked else payload)


def read_client_frame(peer: socket.socket) -> tuple[int, bytes]:
    """One frame the client sent, unmasked; asserts it was masked."""
    stream = peer.makefile("rb")
    first, second = stream.read(2)
    assert second & 0x80, "client frames must be masked"
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", stream.read(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", stream.read(8))
    key = stream.read(4)
    return first & 0x0F, mask(stream.read(length), key)


@pytest.fixture
def pair() -> Iterator[tuple[WebSocket, socket.socket]]:
    """A client WebSocket (limit 1 MiB) and the raw socket of its peer."""
    ours, theirs = socket.socketpair()
    ws = WebSocket(ours, max_message=1024 * 1024)
    yield ws, theirs
    ws.close()
    theirs.close()


def test_accept_value_matches_rfc_6455_example() -> None:
    """The RFC's sample key gives the RFC's sample accept value."""
    assert accept_value("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_handshake_request_carries_token_and_no_origin() -> None:
    """The upgrade request names the token and never an Origin."""
    text = handshake_request("localhost", "secret-token", "a2V5").decode()
    assert "Authorization: Bearer secret-token\r\n" in text
    assert "origin" not in text.lower()
    assert text.endswith("\r\n\r\n")


def test_handshake_response_checks() -> None:
    """101 with the right accept passes; another status or a wrong accept does not."""
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    good = (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_value(key)}\r\n"
    ).encode()
    check_handshake_response(good, key)
    with pytest.raises(HandshakeRefused) as refused:
        check_handshake_response(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n", key)
    assert refused.value.status == 401
    for bad in (
        good.replace(accept_value(key).encode(), b"AAAA"),
        good.replace(b"Upgrade: websocket", b"Upgrade: h2c"),
        good + b"Sec-WebSocket-Extensions: permessage-deflate\r\n",
        b"SSH-2.0-OpenSSH\r\n",
    ):
        with pytest.raises(ConnectionLost):
            check_handshake_response(bad, key)


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536, 300_000])
def test_sent_frames_are_masked_and_read_back(
    pair: tuple[WebSocket, socket.socket], length: int
) -> None:
    """Every length encoding (7-bit, 16-bit, 64-bit) and chunked masking round-trips."""
    ws, peer = pair
    payload = bytes(range(256)) * (length // 256) + bytes(length % 256)
    sender = threading.Thread(target=ws.send_text, args=(payload,))
    sender.start()  # a large frame fills the socket buffer before the peer reads
    opcode, received = read_client_frame(peer)
    sender.join(10)
    assert (opcode, received) == (1, payload)


def test_frame_header_lengths() -> None:
    """The three length forms are chosen at 126 and 65536."""
    key = b"kkkk"
    assert len(frame_header(1, 125, key)) == 2 + 4
    assert len(frame_header(1, 126, key)) == 4 + 4
    assert len(frame_header(1, 65536, key)) == 10 + 4


def test_fragmented_message_is_reassembled(pair: tuple[WebSocket, socket.socket]) -> None:
    """Text split over continuation frames, with a ping between, arrives whole."""
    ws, peer = pair
    peer.sendall(
        server_frame(1, b'{"a":', final=False)
        + server_frame(9, b"are you there")
        + server_frame(0, b'"b"', final=False)
        + server_frame(0, b"}")
    )
    assert ws.receive() == b'{"a":"b"}'
    assert read_client_frame(peer) == (OP_PONG, b"are you there")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (server_frame(1, b"x", masked=True), 1002),
        (bytes([0x80 | 0x40 | 1, 1]) + b"x", 1002),
        (server_frame(0, b"x"), 1002),
        (server_frame(1, b"a", final=False) + server_frame(1, b"b"), 1002),
        (server_frame(3, b"x"), 1002),
        (server_frame(9, b"p" * 126), 1002),
        (server_frame(9, b"p", final=False), 1002),
        (server_frame(1, b"z" * (1024 * 1024 + 1))[:10], 1009),  # refused from its header
    ],
    ids=[
        "masked",
        "reserved-bits",
        "stray-continuation",
        "new-message-inside-another",
        "unknown-opcode",
        "long-control",
        "fragmented-control",
        "too-big",
    ],
)
def test_protocol_violations_close_the_connection(
    pair: tuple[WebSocket, socket.socket], raw: bytes, code: int
) -> None:
    """A frame breaking RFC 6455 ends the connection with 1002 (1009 for size)."""
    ws, peer = pair
    peer.sendall(raw)
    with pytest.raises(ConnectionLost) as lost:
        ws.receive()
    assert lost.value.code == code
    opcode, payload = read_client_frame(peer)
    assert opcode == 8 and struct.unpack("!H", payload[:2])[0] == code


def test_close_from_the_agent_is_answered_and_reported(
    pair: tuple[WebSocket, socket.socket],
) -> None:
    """A close frame (1001, reason) is answered and surfaces as ConnectionLost(1001)."""
    ws, peer = pair
    peer.sendall(server_frame(8, struct.pack("!H", 1001) + b"the agent is stopping"))
    with pytest.raises(ConnectionLost) as lost:
        ws.receive()
    assert (lost.value.code, lost.value.reason) == (1001, "the agent is stopping")
    assert read_client_frame(peer)[0] == 8
    with pytest.raises(ConnectionLost):
        ws.send_text(b"{}")


def test_end_of_stream_is_connection_lost(pair: tuple[WebSocket, socket.socket]) -> None:
    """The peer vanishing mid-frame is ConnectionLost, not an exception of another kind."""
    ws, peer = pair
    peer.sendall(server_frame(1, b"x" * 200)[:50])
    peer.shutdown(socket.SHUT_WR)
    with pytest.raises(ConnectionLost):
        ws.receive()
