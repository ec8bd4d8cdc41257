"""Serve the sandbox backpack on loopback: OAuth, Badge Connect, OB 3.0, Badgr v2, public pages.

``run_backpack`` starts it (data in a temporary folder unless one is given) and yields a
:class:`BackpackServer` that tests drive directly: accounts, auto-approval, fault switches,
and the store (what it holds, how many times each badge was created).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from agent.fetch.client import SafeFetcher
from agent.fetch.guard import parse_allow_hosts
from agent.sandbox.backpack import pages
from agent.sandbox.backpack.api_base import MAX_BODY_BYTES, ApiContext
from agent.sandbox.backpack.badge_connect_api import BadgeConnectApi
from agent.sandbox.backpack.badgr_api import BadgrApi
from agent.sandbox.backpack.faults import Faults, fault_middleware
from agent.sandbox.backpack.intake import Intake
from agent.sandbox.backpack.oauth_server import OAuthServer
from agent.sandbox.backpack.ob3_api import Ob3Api
from agent.sandbox.backpack.store import SandboxStore

DB_NAME = "backpack.sqlite3"


@dataclass
class BackpackServer:
    """A running sandbox backpack."""

    base_url: str
    store: SandboxStore
    faults: Faults
    oauth: OAuthServer
    data_dir: Path

    def add_account(self, email: str, password: str, name: str = "Sandbox Earner") -> int:
        return self.store.add_account(email, password, name)

    def auto_approve(self, email: str | None) -> None:
        """Approve every authorization request for this account without showing the page."""
        self.oauth.auto_approve = email


class PublicPages:
    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.index)
        app.router.add_get("/public/badges/{id}", self.badge)
        app.router.add_get("/public/badges/{id}/image", self.image)
        app.router.add_get("/public/collections/{id}", self.collection)

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text=pages.index_page(self.context.base_url), content_type="text/html")

    async def badge(self, request: web.Request) -> web.Response:
        found = self.context.store.badge(request.match_info["id"])
        if found is None or found.state != "accepted":
            page = pages.error_page("Not found", "No public badge has this address.")
            return web.Response(text=page, status=404, content_type="text/html")
        page = pages.badge_page(
            found, self.context.public_url(found), self.context.image_url(found)
        )
        return web.Response(text=page, content_type="text/html")

    async def image(self, request: web.Request) -> web.StreamResponse:
        found = self.context.store.badge(request.match_info["id"])
        if found is None or found.state != "accepted":
            return web.Response(status=404)
        if found.image is not None and found.image_type:
            return web.Response(body=found.image, content_type=found.image_type)
        if found.image_url:
            raise web.HTTPFound(found.image_url)
        return web.Response(status=404)

    async def collection(self, request: web.Request) -> web.Response:
        store = self.context.store
        found = store.collection(request.match_info["id"])
        if found is None:
            return web.Response(status=404, text="Not found")
        badges = [store.badge(badge_id) for badge_id in found["badge_ids"]]
        listed = [
            (b.name or b.assertion_id, self.context.public_url(b))
            for b in badges
            if b is not None and b.state == "accepted"
        ]
        page = pages.collection_page(found["name"], found["description"], listed)
        return web.Response(text=page, content_type="text/html")


@asynccontextmanager
async def run_backpack(
    *,
    data_dir: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    allow_hosts: str = "",
    token_ttl: float = 3600.0,
    fetch_timeout: float = 10.0,
) -> AsyncIterator[BackpackServer]:
    """Start the sandbox backpack; ``allow_hosts`` are the issuers its verifier may reach."""
    with tempfile.TemporaryDirectory(prefix="badgekeeper-backpack-") as scratch:
        folder = data_dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        store = SandboxStore(folder / DB_NAME)
        faults = Faults()
        oauth = OAuthServer(store, token_ttl=token_ttl)
        async with SafeFetcher(
            timeout=fetch_timeout,
            allow_hosts=parse_allow_hosts(allow_hosts),
            batch_reuse_seconds=0.0,
        ) as fetcher:
            context = ApiContext(store, Intake(store, fetcher), faults, base_url="")
            app = web.Application(
                client_max_size=MAX_BODY_BYTES, middlewares=[fault_middleware(faults)]
            )
            oauth.add_routes(app)
            for api in (BadgeConnectApi(context), Ob3Api(context), BadgrApi(context)):
                api.add_routes(app)
            PublicPages(context).add_routes(app)
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            try:
                site = web.TCPSite(runner, host, port)
                await site.start()
                context.base_url = f"http://{host}:{runner.addresses[0][1]}"
                yield BackpackServer(context.base_url, store, faults, oauth, folder)
            finally:
                await runner.cleanup()
                store.close()
