"""A loopback issuer for the benchmarks: serves badge documents, counts requests, adds delay.

Run as ``python -m bench.issuer_server [--listeners N] HOST...``; it listens on port 0 of each
loopback HOST (N times, on N ports, with ``--listeners``: one origin per issuer, as the sync
benchmark's 50 issuers need) and prints one JSON line ``{"ports": {HOST: PORT, ...},
"listeners": {HOST: [PORT, ...]}}`` once it is ready (``ports`` names each host's first), then
serves until its standard input closes (so it never outlives the harness).

Rules:
- Every path is served on every host: the documents name their own origin, so a badge "hosted on
  another origin" is just a URL with the other host in it.
- Paths under ``/_bench/`` are the harness's control API and are never counted or delayed.
- Everything else is counted per path (404s too) and delayed by the current delay before it is
  answered, 304s included: the delay stands for the network round trip.
- ``If-None-Match`` is honoured with a 304, as a real issuer behind a CDN would.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import socket
import sys
from collections import Counter
from dataclasses import dataclass

from aiohttp import web


@dataclass(frozen=True)
class Route:
    """One served document."""

    status: int
    body: bytes
    content_type: str
    cache_control: str | None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


class IssuerState:
    """The site being served, the request counts and the delay; changed by the control API."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.counts: Counter[str] = Counter()
        self.delay_s = 0.0

    def load(self, spec: dict[str, dict[str, object]]) -> None:
        for path, entry in spec.items():
            self.routes[path] = Route(
                status=int(str(entry.get("status", 200))),
                body=base64.b64decode(str(entry["body_b64"])),
                content_type=str(entry.get("content_type", "application/ld+json")),
                cache_control=str(entry["cache_control"]) if entry.get("cache_control") else None,
            )


STATE = web.AppKey("state", IssuerState)


async def serve_document(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    state.counts[request.path] += 1
    if state.delay_s:
        await asyncio.sleep(state.delay_s)
    route = state.routes.get(request.path)
    if route is None:
        return web.json_response({"error": "not found"}, status=404)
    headers = {"ETag": route.etag}
    if route.cache_control:
        headers["Cache-Control"] = route.cache_control
    if route.status == 200 and request.headers.get("If-None-Match") == route.etag:
        return web.Response(status=304, headers=headers)
    return web.Response(
        status=route.status, body=route.body, content_type=route.content_type, headers=headers
    )


async def control_load(request: web.Request) -> web.Response:
    request.app[STATE].load(await request.json())
    return web.json_response({"routes": len(request.app[STATE].routes)})


async def control_stats(request: web.Request) -> web.Response:
    counts = request.app[STATE].counts
    return web.json_response({"counts": dict(counts), "total": sum(counts.values())})


async def control_reset(request: web.Request) -> web.Response:
    request.app[STATE].counts.clear()
    return web.json_response({"reset": True})


async def control_delay(request: web.Request) -> web.Response:
    body = await request.json()
    request.app[STATE].delay_s = float(body["ms"]) / 1000.0
    return web.json_response({"delay_ms": body["ms"]})


def build_app() -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[STATE] = IssuerState()
    app.router.add_post("/_bench/load", control_load)
    app.router.add_get("/_bench/stats", control_stats)
    app.router.add_post("/_bench/reset", control_reset)
    app.router.add_post("/_bench/delay", control_delay)
    app.router.add_get("/{tail:.*}", serve_document)
    return app


async def serve(hosts: list[str], listeners: int = 1) -> None:
    runner = web.AppRunner(build_app(), access_log=None)
    await runner.setup()
    ports: dict[str, list[int]] = {}
    for host in hosts:
        for _ in range(listeners):
            # Bind the socket ourselves so the port chosen for port 0 can be read back.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, 0))
            await web.SockSite(runner, sock, backlog=1024).start()
            ports.setdefault(host, []).append(sock.getsockname()[1])
    first = {host: found[0] for host, found in ports.items()}
    print(json.dumps({"ports": first, "listeners": ports}), flush=True)
    # Serve until the harness closes our standard input (or dies).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.issuer_server")
    parser.add_argument("--listeners", type=int, default=1, help="ports per host (one per issuer)")
    parser.add_argument("hosts", nargs="*", default=["127.0.0.1"])
    args = parser.parse_args(argv)
    asyncio.run(serve(args.hosts, max(1, args.listeners)))


if __name__ == "__main__":
    main(sys.argv[1:])
