"""What the sandbox's three APIs share: the store, the intake, faults, public links, paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from agent.sandbox.backpack.faults import Faults
from agent.sandbox.backpack.intake import Intake
from agent.sandbox.backpack.oauth_server import bearer_grant
from agent.sandbox.backpack.store import Grant, SandboxStore, StoredBadge

MAX_LIMIT = 100
MAX_BODY_BYTES = 12 * 1024 * 1024


@dataclass
class ApiContext:
    """The backpack's parts, as every API route sees them."""

    store: SandboxStore
    intake: Intake
    faults: Faults
    base_url: str

    def public_url(self, badge: StoredBadge) -> str:
        return f"{self.base_url}/public/badges/{badge.id}"

    def image_url(self, badge: StoredBadge) -> str | None:
        if badge.image is not None:
            return f"{self.base_url}/public/badges/{badge.id}/image"
        return badge.image_url

    def public_link(self, badge: StoredBadge) -> dict[str, str]:
        """``Link: <page>; rel="alternate"; type="text/html"``: the badge's public page."""
        return {"Link": f'<{self.public_url(badge)}>; rel="alternate"; type="text/html"'}

    def grant(self, request: web.Request) -> Grant | None:
        return bearer_grant(self.store, request)


def paging(request: web.Request) -> tuple[int, int]:
    """``(limit, offset)`` from the query, bounded; bad values fall back to the defaults."""
    try:
        limit = max(1, min(int(request.query.get("limit", str(MAX_LIMIT))), MAX_LIMIT))
        offset = max(0, int(request.query.get("offset", "0")))
    except ValueError:
        return MAX_LIMIT, 0
    return limit, offset


def page_headers(request: web.Request, total: int, limit: int, offset: int) -> dict[str, str]:
    """``X-Total-Count`` and a ``Link`` header with first, last, next and prev."""
    url = request.url.with_query({})

    def at(where: int) -> str:
        return str(url.with_query({"limit": str(limit), "offset": str(where)}))

    last = max(0, (total - 1) // limit * limit)
    links = [f'<{at(0)}>; rel="first"', f'<{at(last)}>; rel="last"']
    if offset + limit < total:
        links.append(f'<{at(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{at(max(0, offset - limit))}>; rel="prev"')
    return {"X-Total-Count": str(total), "Link": ", ".join(links)}


async def read_json(request: web.Request) -> Any:
    """The JSON body, or None when it is not JSON (the route answers its own 400)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    try:
        return await request.json()
    except ValueError:
        return None


UNVERIFIABLE_RETRY_AFTER = 30


def unverifiable(message: str) -> web.Response:
    """A badge the backpack could not check now (its issuer is down): try again later."""
    return web.json_response(
        {"error": "TEMPORARILY_UNAVAILABLE", "message": message},
        status=503,
        headers={"Retry-After": str(UNVERIFIABLE_RETRY_AFTER)},
    )
