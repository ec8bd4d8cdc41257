"""Fault switches for tests: make the sandbox backpack's API misbehave on purpose.

Each switch counts down (``-1`` means until reset) and applies to API requests only (Badge
Connect, OB 3.0 and Badgr routes), never to discovery, sign-in or public pages. Before the
request is served:

- ``error_500``: answer HTTP 500 (with ``Retry-After`` when ``retry_after`` is set);
- ``hang``: never answer (the client's timeout ends it);
- ``close``: close the connection without an answer.

After the request is served (so an upload IS stored, like ``accept_then_close``), the answer
is spoiled on the wire (see :mod:`agent.sandbox.wire_faults`):

- ``reset_after_headers``: the status and headers, then a connection reset;
- ``reset_mid_body``: the headers and half the body, then a connection reset;
- ``trickle``: the headers at once, then the body ``trickle_bytes`` at a time every
  ``trickle_interval`` seconds (slower than the client's timeout).

``accept_then_close`` (checked by the upload routes themselves): do the upload, then close
without an answer ("changes its mind"). :attr:`Faults.received` counts every API request by
``METHOD path``.

Token faults act on the store: :meth:`SandboxStore.expire_access_tokens` (a refresh mends it)
and :meth:`SandboxStore.revoke_everything` (only a new connect does).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Middleware

from agent.sandbox.wire_faults import FaultSwitches

API_PREFIXES = ("/bc/ims/", "/ims/ob/v3p0/credentials", "/ims/ob/v3p0/profile", "/v2/")


@dataclass
class Faults(FaultSwitches):
    """The switches, and how many API requests each route received."""

    accept_then_close: int = 0
    retry_after: int | None = None
    received: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        super().reset()
        self.accept_then_close = 0
        self.retry_after = None


def drop_connection(request: web.Request) -> web.Response:
    """Close the connection without answering (the response returned is never sent)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=204)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fault_middleware(faults: Faults) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIXES):
            return await handler(request)
        faults.received[f"{request.method} {request.path}"] += 1
        if faults.take("error_500"):
            headers = {"Retry-After": str(faults.retry_after)} if faults.retry_after else {}
            return web.json_response(
                {"error": "sandbox fault: internal error"}, status=500, headers=headers
            )
        if faults.take("hang"):
            await asyncio.sleep(faults.hang_seconds)
        if faults.take("close"):
            return drop_connection(request)
        answer = await handler(request)
        if request.transport is None or request.transport.is_closing():
            return answer  # the route dropped the connection itself (accept_then_close)
        return await faults.spoil(request, answer)

    return middleware
