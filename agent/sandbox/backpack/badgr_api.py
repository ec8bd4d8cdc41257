"""The sandbox's Badgr v2 subset: the user, the backpack import, assertions, collections.

Answers use Badgr's v2 envelope. As Badgr does, the import answers ``DUPLICATE_BADGE`` for a
badge the account has already accepted, and ``VERIFY_RECIPIENT_IDENTIFIER`` for a badge issued
to an address the account lacks.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from agent.bakery.model import PayloadKind
from agent.sandbox.backpack.api_base import ApiContext, read_json, unverifiable
from agent.sandbox.backpack.faults import drop_connection
from agent.sandbox.backpack.intake import (
    Incoming,
    IntakeRefused,
    incoming_bytes,
    incoming_data_uri,
)
from agent.sandbox.backpack.store import Grant, StoredBadge

_REFUSALS = {
    "recipient": "VERIFY_RECIPIENT_IDENTIFIER",
    "version": "INVALID_BADGE_VERSION",
    "invalid": "INVALID_BADGE",
    "malformed": "INVALID_BADGE",
}


def envelope(result: list[Any], status: int = 200, **errors: Any) -> web.Response:
    success = status < 400
    body = {
        "status": {"success": success, "description": "ok" if success else "Validation Error"},
        "result": result,
        **errors,
    }
    return web.json_response(body, status=status)


def validation_error(name: str, description: str) -> web.Response:
    return envelope(
        [], 400, validationErrors=[{"name": name, "description": description}], fieldErrors={}
    )


def incoming_import(body: Any) -> Incoming | str:
    """The badge in an import body, or what is wrong with the body."""
    if not isinstance(body, dict):
        return "Send JSON with one of url, image or assertion."
    given = [key for key in ("url", "image", "assertion") if body.get(key)]
    if len(given) != 1 or not isinstance(body[given[0]], str):
        return "Only one instance input field allowed."
    value: str = body[given[0]]
    try:
        if given[0] == "url":
            return Incoming(PayloadKind.URL, value.strip())
        if given[0] == "image":
            return incoming_data_uri(value)
        return incoming_bytes(value.encode("utf-8"))
    except IntakeRefused as refused:
        return refused.message


class BadgrApi:
    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/v2/users/self", self.user)
        app.router.add_post("/v2/backpack/import", self.import_badge)
        app.router.add_get("/v2/backpack/assertions", self.assertions)
        app.router.add_get("/v2/backpack/collections", self.collections)
        app.router.add_post("/v2/backpack/collections", self.save_collection)
        app.router.add_put("/v2/backpack/collections/{entity_id}", self.save_collection)

    def _grant(self, request: web.Request, scope: str) -> Grant | web.Response:
        grant = self.context.grant(request)
        if grant is None:
            return web.json_response(
                {"detail": "Authentication credentials were not provided."}, status=401
            )
        if scope not in grant.scopes:
            return web.json_response({"detail": "Insufficient scope."}, status=403)
        return grant

    def entity(self, badge: StoredBadge) -> dict[str, Any]:
        return {
            "entityType": "BackpackAssertion",
            "entityId": badge.id,
            "openBadgeId": badge.assertion_id,
            "name": badge.name,
            "image": self.context.image_url(badge),
            "issuedOn": badge.issued_on,
            "acceptance": "Accepted" if badge.state == "accepted" else "Unaccepted",
            "shareUrl": self.context.public_url(badge),
        }

    async def user(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "rw:profile")
        if isinstance(grant, web.Response):
            return grant
        emails = self.context.store.emails(grant.account_id)
        user = {
            "entityType": "BadgeUser",
            "entityId": f"user-{grant.account_id}",
            "firstName": self.context.store.account_name(grant.account_id),
            "emails": [
                {"email": email, "verified": verified, "primary": index == 0}
                for index, (email, verified) in enumerate(emails)
            ],
        }
        return envelope([user])

    async def import_badge(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "rw:backpack")
        if isinstance(grant, web.Response):
            return grant
        incoming = incoming_import(await read_json(request))
        if isinstance(incoming, str):
            return envelope([], 400, validationErrors=[incoming], fieldErrors={})
        try:
            badge, created = await self.context.intake.accept(
                grant.account_id, incoming, spec="ob2"
            )
        except IntakeRefused as refused:
            if refused.reason == "unverifiable":
                return unverifiable(refused.message)
            return validation_error(_REFUSALS[refused.reason], refused.message)
        if not created:
            return validation_error(
                "DUPLICATE_BADGE", "You already have this badge in your backpack"
            )
        if self.context.faults.take("accept_then_close"):
            return drop_connection(request)
        return envelope([self.entity(badge)], 201)

    async def assertions(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "rw:backpack")
        if isinstance(grant, web.Response):
            return grant
        held = self.context.store.badges(grant.account_id)
        return envelope([self.entity(b) for b in held if b.spec == "ob2"])

    def collection_json(self, collection: dict[str, Any]) -> dict[str, Any]:
        return {
            "entityType": "BackpackCollection",
            "entityId": collection["id"],
            "name": collection["name"],
            "description": collection["description"],
            "published": True,
            "assertions": collection["badge_ids"],
            "shareUrl": f"{self.context.base_url}/public/collections/{collection['id']}",
        }

    async def collections(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "rw:backpack")
        if isinstance(grant, web.Response):
            return grant
        found = self.context.store.collections(grant.account_id)
        return envelope([self.collection_json(c) for c in found])

    async def save_collection(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "rw:backpack")
        if isinstance(grant, web.Response):
            return grant
        body = await read_json(request)
        name = body.get("name") if isinstance(body, dict) else None
        ids = body.get("assertions", []) if isinstance(body, dict) else None
        if not isinstance(name, str) or not name.strip() or not isinstance(ids, list):
            return envelope([], 400, fieldErrors={"name": ["This field is required."]})
        store = self.context.store
        owned = {b.id for b in store.badges(grant.account_id)}
        if not all(isinstance(i, str) and i in owned for i in ids):
            return envelope([], 400, fieldErrors={"assertions": ["Unknown badge."]})
        entity_id = request.match_info.get("entity_id")
        if entity_id is not None:
            existing = store.collection(entity_id)
            if existing is None or existing["account_id"] != grant.account_id:
                return envelope([], 404)
        description = body.get("description") if isinstance(body.get("description"), str) else ""
        saved = store.save_collection(grant.account_id, name.strip(), description, ids, entity_id)
        return envelope([self.collection_json(saved)], 200 if entity_id else 201)
