"""A minimal RFC 6455 websocket client for the agent's socket: only what the relay needs.

The ``websockets`` library alone takes longer to import, and more memory, than the host's
whole start-up budget allows; this covers the one peer we talk to.

Rules:
- Client side of one connection: an HTTP/1.1 upgrade carrying ``Authorization: Bearer``, never
  an ``Origin``, no extensions, no subprotocols; the server's ``Sec-WebSocket-Accept`` is checked.
- Every frame sent is masked with a fresh random key (§5.3); long payloads are masked and sent
  in chunks, so a 64 MiB message never needs a second copy in memory.
- Frames received must not be masked; a message may arrive in fragments and is reassembled up
  to ``max_message`` bytes; control frames are ≤ 125 bytes and never fragmented. A violation
  closes the connection with 1002 (1009 for size) and raises ``ConnectionLost``.
- A ping is answered with a pong at once; a close is answered with a close, and then the
  connection is over (``ConnectionLost`` carrying the peer's code).
- Any thread may send (a lock keeps frames whole); one thread receives.
"""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import os
import socket
import struct
import threading

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
CLOSE_NORMAL, CLOSE_PROTOCOL_ERROR, CLOSE_TOO_BIG = 1000, 1002, 1009
MAX_HEAD_BYTES = 16 * 1024
MASK_CHUNK = 256 * 1024  # a multiple of 4, so every chunk starts at the key's first byte
USER_AGENT = "badgekeeper-native-host"


class ConnectionLost(Exception):
    """The connection is over: the peer closed it (``code`` is its close code) or it broke."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class HandshakeRefused(Exception):
    """The server answered the upgrade with an HTTP status other than 101."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


# --- the pure part: handshake and frame encoding ---


def new_key() -> str:
    return binascii.b2a_base64(os.urandom(16), newline=False).decode("ascii")


def accept_value(key: str) -> str:
    digest = hashlib.sha1(key.encode("ascii") + GUID, usedforsecurity=False).digest()
    return binascii.b2a_base64(digest, newline=False).decode("ascii")


def handshake_request(host: str, token: str, key: str) -> bytes:
    """The upgrade request: ``GET /`` with the token and no ``Origin``."""
    lines = (
        "GET / HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Authorization: Bearer {token}",
        f"User-Agent: {USER_AGENT}",
    )
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def check_handshake_response(head: bytes, key: str) -> None:
    """Accept a ``101`` upgrade for ``key``; raise ``HandshakeRefused`` or ``ConnectionLost``."""
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if (
        len(status_line) < 2
        or not status_line[0].startswith("HTTP/")
        or not status_line[1].isdigit()
    ):
        raise ConnectionLost("the agent did not answer with HTTP")
    status = int(status_line[1])
    if status != 101:
        raise HandshakeRefused(status)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    if headers.get("upgrade", "").lower() != "websocket":
        raise ConnectionLost("the agent's answer does not upgrade to a websocket")
    if "upgrade" not in headers.get("connection", "").lower():
        raise ConnectionLost("the agent's answer does not upgrade the connection")
    if headers.get("sec-websocket-accept") != accept_value(key):
        raise ConnectionLost("the agent's answer has a wrong Sec-WebSocket-Accept")
    if headers.get("sec-websocket-extensions"):
        raise ConnectionLost("the agent's answer enables an extension that was not offered")


def frame_header(opcode: int, length: int, mask_key: bytes) -> bytes:
    """The header of a final, masked frame of ``length`` bytes."""
    first = 0x80 | opcode
    if length < 126:
        return struct.pack("!BB", first, 0x80 | length) + mask_key
    if length < 1 << 16:
        return struct.pack("!BBH", first, 0x80 | 126, length) + mask_key
    return struct.pack("!BBQ", first, 0x80 | 127, length) + mask_key


def mask(data: bytes, mask_key: bytes) -> bytes:
    """XOR ``data`` with the repeated 4-byte key (masking and unmasking are the same)."""
    size = len(data)
    if not size:
        return b""
    pad = (mask_key * (size // 4 + 1))[:size]
    return (int.from_bytes(data, "little") ^ int.from_bytes(pad, "little")).to_bytes(size, "little")


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode("utf-8")[:120]


# --- the I/O shell: one connection ---


class WebSocket:
    """One open websocket connection to the agent."""

    def __init__(self, sock: socket.socket, max_message: int) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb")
        self._max_message = max_message
        self._send_lock = threading.Lock()
        self._closed = False

    @classmethod
    def open(
        cls,
        sock: socket.socket,
        *,
        host: str,
        token: str,
        timeout: float,
        max_message: int,
    ) -> WebSocket:
        """Upgrade the connected ``sock``; it is closed when the handshake fails."""
        key = new_key()
        ws = cls(sock, max_message)
        try:
            sock.settimeout(timeout)
            sock.sendall(handshake_request(host, token, key))
            check_handshake_response(ws._read_head(), key)
            sock.settimeout(None)
        except BaseException:
            ws._abort()
            raise
        return ws

    def _read_head(self) -> bytes:
        lines: list[bytes] = []
        size = 0
        while True:
            line = self._reader.readline(MAX_HEAD_BYTES)
            if not line:
                raise ConnectionLost("the agent closed the connection during the handshake")
            size += len(line)
            if size > MAX_HEAD_BYTES:
                raise ConnectionLost("the agent's handshake answer is too long")
            if line in (b"\r\n", b"\n"):
                return b"".join(lines)
            lines.append(line)

    # -- sending --

    def send_text(self, payload: bytes) -> None:
        """Send one text message; ``ConnectionLost`` when the connection is gone."""
        self._send(OP_TEXT, payload)

    def _send(self, opcode: int, payload: bytes) -> None:
        mask_key = os.urandom(4)
        try:
            with self._send_lock:
                if self._closed:
                    raise ConnectionLost("the connection is closed")
                if len(payload) <= MASK_CHUNK:
                    self._sock.sendall(
                        frame_header(opcode, len(payload), mask_key) + mask(payload, mask_key)
                    )
                    return
                self._sock.sendall(frame_header(opcode, len(payload), mask_key))
                view = memoryview(payload)
                for start in range(0, len(payload), MASK_CHUNK):
                    self._sock.sendall(mask(bytes(view[start : start + MASK_CHUNK]), mask_key))
        except OSError as exc:
            raise ConnectionLost(f"the connection to the agent broke ({exc})") from exc

    # -- receiving --

    def _read_exactly(self, size: int) -> bytes:
        try:
            data = self._reader.read(size)
        except (OSError, ValueError) as exc:  # ValueError: the file was closed meanwhile
            raise ConnectionLost(f"the connection to the agent broke ({exc})") from exc
        if data is None or len(data) < size:
            raise ConnectionLost("the agent closed the connection")
        return data

    def receive(self) -> bytes:
        """The next text (or binary) message; pings and pongs are handled on the way."""
        parts: list[bytes] = []
        total = 0
        in_message = False
        while True:
            first, second = self._read_exactly(2)
            final, opcode = first & 0x80, first & 0x0F
            length = second & 0x7F
            if first & 0x70:
                self._fail(CLOSE_PROTOCOL_ERROR, "a frame sets reserved bits")
            if second & 0x80:
                self._fail(CLOSE_PROTOCOL_ERROR, "the agent masked a frame")
            if length == 126:
                (length,) = struct.unpack("!H", self._read_exactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read_exactly(8))
            if opcode >= OP_CLOSE:
                self._control(opcode, bool(final), length)
                continue
            if (opcode == OP_CONTINUATION) != in_message:
                self._fail(CLOSE_PROTOCOL_ERROR, "a fragmented message is out of order")
            if opcode not in (OP_CONTINUATION, OP_TEXT, OP_BINARY):
                self._fail(CLOSE_PROTOCOL_ERROR, f"unknown opcode {opcode}")
            if total + length > self._max_message:
                self._fail(CLOSE_TOO_BIG, "the agent sent a message larger than allowed")
            parts.append(self._read_exactly(length))
            total += length
            in_message = True
            if final:
                return parts[0] if len(parts) == 1 else b"".join(parts)

    def _control(self, opcode: int, final: bool, length: int) -> None:
        if not final or length > 125:
            self._fail(CLOSE_PROTOCOL_ERROR, "a control frame is fragmented or too long")
        payload = self._read_exactly(length)
        if opcode == OP_PING:
            self._send(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
            reason = payload[2:].decode("utf-8", "replace")
            self.close(CLOSE_NORMAL)
            raise ConnectionLost(reason or "the agent closed the connection", code)
        elif opcode != OP_PONG:
            self._fail(CLOSE_PROTOCOL_ERROR, f"unknown control opcode {opcode}")

    def _fail(self, code: int, reason: str) -> None:
        self.close(code, reason)
        raise ConnectionLost(reason, code)

    # -- closing --

    def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        """Say goodbye (best effort) and close the socket; safe to call more than once."""
        if self._closed:
            return
        with contextlib.suppress(ConnectionLost):
            self._send(OP_CLOSE, close_payload(code, reason))
        self._abort()

    def _abort(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):  # already gone
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
