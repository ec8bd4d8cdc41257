"""Spoiling answers on the wire, for the sandbox issuer's and backpack's fault switches.

- :class:`FaultSwitches`: counters (``-1``: until reset) for ``error_500``, ``hang``, ``close``
  and the three spoilings below; ``take`` counts one down and records it in ``spoiled``.
- The spoilings send the real answer's status and headers, then: ``reset_after_headers``
  resets the connection; ``reset_mid_body`` sends half the body and resets; ``trickle`` sends
  the body ``trickle_bytes`` at a time every ``trickle_interval`` seconds.
- A reset is a TCP RST (linger 0), so the client sees a broken connection, not a clean close.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

Spoiling = Literal["reset_after_headers", "reset_mid_body", "trickle"]
SPOILINGS: tuple[Spoiling, ...] = ("reset_after_headers", "reset_mid_body", "trickle")
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


def reset_connection(request: web.Request) -> None:
    """Abort the request's connection with a TCP RST (linger 0): no answer, or what was sent."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # already gone: nothing left to reset
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def send_spoiled(
    request: web.Request,
    answer: web.Response,
    how: Spoiling,
    *,
    trickle_bytes: int = 4,
    trickle_interval: float = 0.25,
) -> web.StreamResponse:
    """Send ``answer``'s status and headers, then spoil its body as ``how`` says."""
    body = answer.body if isinstance(answer.body, bytes) else b""
    stream = web.StreamResponse(status=answer.status, reason=answer.reason)
    for name, value in answer.headers.items():
        if name.lower() not in _HOP_HEADERS:
            stream.headers.add(name, value)
    stream.content_length = len(body)  # the client knows how much it misses
    try:
        await stream.prepare(request)
        if how == "reset_after_headers":
            reset_connection(request)
        elif how == "reset_mid_body":
            await stream.write(body[: len(body) // 2])
            reset_connection(request)
        else:
            step = max(1, trickle_bytes)
            for start in range(0, len(body), step):
                await stream.write(body[start : start + step])
                await asyncio.sleep(trickle_interval)
            await stream.write_eof()
    except ConnectionError:  # the client gave up (its timeout): that was the point
        pass
    return stream


@dataclass
class FaultSwitches:
    """The switches both sandbox servers have; each counts down the answers it spoils."""

    error_500: int = 0
    hang: int = 0
    close: int = 0
    reset_after_headers: int = 0
    reset_mid_body: int = 0
    trickle: int = 0
    hang_seconds: float = 3600.0
    trickle_bytes: int = 4
    trickle_interval: float = 0.25
    spoiled: Counter[str] = field(default_factory=Counter)  # switch -> answers it spoiled

    def reset(self) -> None:
        """Every switch off (the counts of what was spoiled stay)."""
        self.error_500 = self.hang = self.close = 0
        self.reset_after_headers = self.reset_mid_body = self.trickle = 0

    def take(self, name: str) -> bool:
        """True when the switch ``name`` is on (and count it down)."""
        left: int = getattr(self, name)
        if left == 0:
            return False
        if left > 0:
            setattr(self, name, left - 1)
        self.spoiled[name] += 1
        return True

    async def spoil(self, request: web.Request, answer: web.StreamResponse) -> web.StreamResponse:
        """``answer`` as it is, or spoiled on the wire by the first spoiling switched on."""
        for how in SPOILINGS:
            if isinstance(answer, web.Response) and self.take(how):
                return await send_spoiled(
                    request,
                    answer,
                    how,
                    trickle_bytes=self.trickle_bytes,
                    trickle_interval=self.trickle_interval,
                )
        return answer
