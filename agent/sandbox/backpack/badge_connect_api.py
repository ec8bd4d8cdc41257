"""The sandbox's Badge Connect 2.1 provider: manifest, ``/assertions``, ``/profile``.

Answers use the spec's envelope (``status.error``, ``statusCode``, ``statusText``). A posted
assertion is verified before it is kept; the answer carries its public page in a
``Link: <…>; rel="alternate"`` header.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from agent.bakery.model import PayloadKind
from agent.sandbox.backpack.api_base import (
    ApiContext,
    page_headers,
    paging,
    read_json,
    unverifiable,
)
from agent.sandbox.backpack.faults import drop_connection
from agent.sandbox.backpack.intake import Incoming, IntakeRefused
from agent.sandbox.backpack.store import Grant, StoredBadge

API_PATH = "/bc/ims/ob/v2p1"
SCOPE = "https://purl.imsglobal.org/spec/ob/v2p1/scope/"
SCOPES = [
    SCOPE + "assertion.readonly",
    SCOPE + "assertion.create",
    SCOPE + "profile.readonly",
    SCOPE + "profile.update",
]
OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def envelope(status: int, text: str, error: str | None = None, **results: Any) -> dict[str, Any]:
    return {"status": {"error": error, "statusCode": status, "statusText": text}, **results}


def answer(
    status: int,
    text: str,
    error: str | None = None,
    headers: dict[str, str] | None = None,
    **results: Any,
) -> web.Response:
    return web.json_response(
        envelope(status, text, error, **results), status=status, headers=headers
    )


def incoming_assertion(body: Any) -> Incoming | None:
    """The badge in an Assertion Payload (``signedAssertion`` wins over ``assertion``)."""
    if not isinstance(body, dict):
        return None
    signed, assertion = body.get("signedAssertion"), body.get("assertion")
    if isinstance(signed, str) and signed.strip():
        return Incoming(PayloadKind.JWS, signed.strip())
    if not isinstance(assertion, dict) or not isinstance(assertion.get("id"), str):
        return None
    identifier = assertion["id"]
    if set(assertion) <= {"@context", "id", "type"} and identifier.startswith("http"):
        return Incoming(PayloadKind.URL, identifier)  # a hosted assertion named by its id
    return Incoming(PayloadKind.ASSERTION_JSON, json.dumps(assertion))


class BadgeConnectApi:
    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/.well-known/badgeconnect.json", self.manifest)
        app.router.add_get(API_PATH + "/assertions", self.list_assertions)
        app.router.add_post(API_PATH + "/assertions", self.post_assertion)
        app.router.add_get(API_PATH + "/profile", self.profile)

    async def manifest(self, request: web.Request) -> web.Response:
        base = self.context.base_url
        return web.json_response(
            {
                "@context": "https://purl.imsglobal.org/spec/ob/v2p1/ob_v2p1.jsonld",
                "id": base + "/.well-known/badgeconnect.json",
                "badgeConnectAPI": [
                    {
                        "name": "Sandbox Backpack",
                        "image": base + "/logo.png",
                        "apiBase": base + API_PATH,
                        "version": "v2p1",
                        "termsOfServiceUrl": base + "/terms",
                        "privacyPolicyUrl": base + "/privacy",
                        "scopesOffered": SCOPES,
                        "registrationUrl": base + "/o/register",
                        "authorizationUrl": base + "/o/authorize",
                        "tokenUrl": base + "/o/token",
                        "tokenRevocationUrl": base + "/o/revoke_token",
                    }
                ],
            },
            headers={"Cache-Control": "max-age=300"},
        )

    def _grant(self, request: web.Request, scope: str) -> Grant | web.Response:
        grant = self.context.grant(request)
        if grant is None:
            return answer(
                401, "UNAUTHENTICATED", "The access token is missing, expired or revoked."
            )
        if SCOPE + scope not in grant.scopes:
            return answer(403, "PERMISSION_DENIED", f"The token lacks the {scope} scope.")
        return grant

    async def post_assertion(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "assertion.create")
        if isinstance(grant, web.Response):
            return grant
        incoming = incoming_assertion(await read_json(request))
        if incoming is None:
            return answer(
                400,
                "REQUEST_VALIDATION_ERROR",
                "Send an Assertion Payload: assertion or signedAssertion.",
            )
        try:
            badge, _ = await self.context.intake.accept(grant.account_id, incoming, spec="ob2")
        except IntakeRefused as refused:
            if refused.reason == "unverifiable":
                return unverifiable(refused.message)
            text = {
                "recipient": "RECIPIENT_PROFILE_MISMATCH",
                "malformed": "REQUEST_VALIDATION_ERROR",
            }
            return answer(400, text.get(refused.reason, "INVALID_BADGE"), refused.message)
        if self.context.faults.take("accept_then_close"):
            return drop_connection(request)
        return answer(200, "OK", headers=self.context.public_link(badge))

    async def list_assertions(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "assertion.readonly")
        if isinstance(grant, web.Response):
            return grant
        held = [b for b in self.context.store.badges(grant.account_id) if b.spec == "ob2"]
        limit, offset = paging(request)
        page = held[offset : offset + limit]
        signed = [b.payload for b in page if b.payload_kind == "jws"]
        unsigned = [_unsigned(b) for b in page if b.payload_kind != "jws"]
        return answer(
            200,
            "OK",
            headers=page_headers(request, len(held), limit, offset),
            assertions=unsigned,
            signedAssertions=signed,
        )

    async def profile(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "profile.readonly")
        if isinstance(grant, web.Response):
            return grant
        store = self.context.store
        emails = store.emails(grant.account_id)
        profile = {
            "@context": OB2_CONTEXT,
            "id": f"{self.context.base_url}/profile/{grant.account_id}",
            "type": "Profile",
            "name": store.account_name(grant.account_id),
            "email": emails[0][0] if emails else None,
        }
        return answer(200, "OK", profile=profile)


def _unsigned(badge: StoredBadge) -> dict[str, Any]:
    if badge.payload_kind == "assertion-json":
        try:
            value = json.loads(badge.payload)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
    return {"@context": OB2_CONTEXT, "id": badge.assertion_id, "type": "Assertion"}
