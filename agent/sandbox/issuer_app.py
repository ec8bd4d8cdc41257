"""Serve a :class:`SampleIssuer` over HTTP on loopback, with faults for tests.

Fault routes (for tests of the fetcher and verifier): ``/faults/500``, ``/faults/html``,
``/faults/slow`` (answers after ``slow_seconds``), ``/faults/hang`` (never answers), and
``/faults/redirect?to=URL``. Every request is counted per path in :attr:`IssuerServer.hits`;
``delay`` adds a fixed latency to every answer (benchmarks of round trips).

Fault switches (:class:`IssuerFaults`, in :attr:`IssuerServer.faults`) spoil the next answers
for ANY path, the badge documents included, so a real verify or sync run meets them (or, when
``paths`` is set, only for paths starting with one of those). Each counts down the answers it
spoils (``-1``: until :meth:`IssuerFaults.reset`); when several are on, the first in this order
wins:

- ``error_500``: answer HTTP 500;
- ``hang``: answer only after ``hang_seconds`` (the client's timeout ends it first);
- ``close``: reset the connection (TCP RST) before any answer (aiohttp clients send an
  idempotent request once more after that, so one failed GET takes two);
- ``reset_after_headers``: send the status and headers, then reset the connection;
- ``reset_mid_body``: send the headers and half the body, then reset the connection;
- ``trickle``: send the headers at once, then the body ``trickle_bytes`` at a time every
  ``trickle_interval`` seconds (slower than any sane client's timeout).

The switches and what they do on the wire are shared with the sandbox backpack
(:mod:`agent.sandbox.wire_faults`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from agent.sandbox.issuer import SampleIssuer
from agent.sandbox.wire_faults import FaultSwitches, reset_connection

_HTML = b"<!doctype html><html><head><title>Badge</title></head><body>A badge page</body></html>"


@dataclass
class IssuerFaults(FaultSwitches):
    """Switches that spoil the issuer's next answers, whatever the path (see the module doc)."""

    paths: tuple[str, ...] = ()  # when set, only paths starting with one of these are spoiled

    def reset(self) -> None:
        """Every switch off and every path again (the counts of what was spoiled stay)."""
        super().reset()
        self.paths = ()

    def applies_to(self, path: str) -> bool:
        return not self.paths or path.startswith(self.paths)


@dataclass
class IssuerServer:
    """A running sample issuer: its base URL, the issuer, request counts and fault switches."""

    issuer: SampleIssuer
    hits: Counter[str] = field(default_factory=Counter)
    delay: float = 0.0
    slow_seconds: float = 30.0
    faults: IssuerFaults = field(default_factory=IssuerFaults)

    @property
    def base_url(self) -> str:
        return self.issuer.base_url

    @property
    def total_hits(self) -> int:
        return sum(self.hits.values())

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        faults = self.faults
        if not faults.applies_to(path):
            return await self._answer(request, path)
        if faults.take("error_500"):
            return web.Response(status=500, text="Internal Server Error")
        if faults.take("hang"):
            await asyncio.sleep(faults.hang_seconds)
        if faults.take("close"):
            reset_connection(request)
            return web.Response(status=204)  # never sent: the connection is gone
        return await faults.spoil(request, await self._answer(request, path))

    async def _answer(self, request: web.Request, path: str) -> web.StreamResponse:
        if path.startswith("/faults/"):
            return await self._fault(request, path.removeprefix("/faults/"))
        document = self.issuer.documents.get(path)
        if document is None:
            return web.Response(status=404, text="Not found")
        return web.Response(
            status=document.status,
            body=document.body,
            content_type=document.content_type,
            headers={"Access-Control-Allow-Origin": "*"},
        )

    async def _fault(self, request: web.Request, name: str) -> web.StreamResponse:
        if name == "500":
            return web.Response(status=500, text="Internal Server Error")
        if name == "html":
            return web.Response(body=_HTML, content_type="text/html")
        if name == "slow":
            await asyncio.sleep(self.slow_seconds)
            return web.json_response({})
        if name == "hang":
            await asyncio.Event().wait()
        if name == "redirect":
            raise web.HTTPFound(request.query.get("to", "/"))
        return web.Response(status=404, text="Unknown fault")


@asynccontextmanager
async def run_issuer(
    host: str = "127.0.0.1", port: int = 0, *, name: str | None = None
) -> AsyncIterator[IssuerServer]:
    """Start a sample issuer on ``host:port`` (0 = any free port); stop it on exit."""
    holder: dict[str, IssuerServer] = {}

    async def handle(request: web.Request) -> web.StreamResponse:
        return await holder["server"].handle(request)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        bound = runner.addresses[0][1]
        base_url = f"http://{host}:{bound}"
        issuer = SampleIssuer(base_url) if name is None else SampleIssuer(base_url, name=name)
        holder["server"] = IssuerServer(issuer)
        yield holder["server"]
    finally:
        await runner.cleanup()
