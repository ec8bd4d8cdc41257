"""The sandbox's Open Badges 3.0 API: the service description, ``/credentials``, ``/profile``.

``POST /credentials`` takes a VC-JWT (``text/plain``) or a JSON credential
(``application/json``), verifies it, and answers ``201`` for a new one, ``200`` for one the
account already had (the spec's upsert). Errors are ``Imsx_StatusInfo``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from agent.bakery.model import PayloadKind
from agent.sandbox.backpack.api_base import (
    MAX_BODY_BYTES,
    ApiContext,
    page_headers,
    paging,
    unverifiable,
)
from agent.sandbox.backpack.faults import drop_connection
from agent.sandbox.backpack.intake import Incoming, IntakeRefused
from agent.sandbox.backpack.store import Grant

API_PATH = "/ims/ob/v3p0"
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
SCOPES = {
    SCOPE + "credential.readonly": "Read your credentials",
    SCOPE + "credential.upsert": "Add credentials",
    SCOPE + "profile.readonly": "Read your profile",
    SCOPE + "profile.update": "Update your profile",
}


def imsx(status: int, description: str, minor: str = "invalid_data") -> web.Response:
    return web.json_response(
        {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": description,
            "imsx_codeMinor": {
                "imsx_codeMinorField": [
                    {
                        "imsx_codeMinorFieldName": "TargetEndSystem",
                        "imsx_codeMinorFieldValue": minor,
                    }
                ]
            },
        },
        status=status,
    )


class Ob3Api:
    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(API_PATH + "/discovery", self.discovery)
        app.router.add_get(API_PATH + "/credentials", self.list_credentials)
        app.router.add_post(API_PATH + "/credentials", self.upsert_credential)
        app.router.add_get(API_PATH + "/profile", self.profile)

    async def discovery(self, request: web.Request) -> web.Response:
        base = self.context.base_url
        document: dict[str, Any] = {
            "openapi": "3.0.1",
            "info": {"title": "Sandbox Backpack", "version": "1.0"},
            "servers": [{"url": base + API_PATH, "description": "Sandbox Backpack"}],
            "paths": {},
            "components": {
                "securitySchemes": {
                    "OAuth2ACG": {
                        "type": "oauth2",
                        "description": "OAuth 2.0 Authorization Code Grant authorization",
                        "x-imssf-name": "Sandbox Backpack",
                        "x-imssf-privacyPolicyUrl": base + "/privacy",
                        "x-imssf-registrationUrl": base + "/o/register",
                        "x-imssf-termsOfServiceUrl": base + "/terms",
                        "flows": {
                            "authorizationCode": {
                                "tokenUrl": base + "/o/token",
                                "authorizationUrl": base + "/o/authorize",
                                "refreshUrl": base + "/o/token",
                                "scopes": SCOPES,
                            }
                        },
                    }
                }
            },
        }
        return web.json_response(document)

    def _grant(self, request: web.Request, scope: str) -> Grant | web.Response:
        grant = self.context.grant(request)
        if grant is None:
            return imsx(401, "The access token is missing, expired or revoked.", "unauthorized")
        if SCOPE + scope not in grant.scopes:
            return imsx(403, f"The token lacks the {scope} scope.", "forbidden")
        return grant

    async def upsert_credential(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "credential.upsert")
        if isinstance(grant, web.Response):
            return grant
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return imsx(400, "The credential is too large.")
        text = (await request.read()).decode("utf-8", "replace")
        if request.content_type == "text/plain":
            incoming = Incoming(PayloadKind.VC_JWT, text.strip())
        elif request.content_type in ("application/json", "application/vc+ld+json"):
            incoming = Incoming(PayloadKind.CREDENTIAL_JSON, text)
        else:
            return imsx(400, "Send a VC-JWT as text/plain or a credential as application/json.")
        try:
            badge, created = await self.context.intake.accept(
                grant.account_id, incoming, spec="ob3"
            )
        except IntakeRefused as refused:
            if refused.reason == "unverifiable":
                return unverifiable(refused.message)
            return imsx(400, refused.message)
        if self.context.faults.take("accept_then_close"):
            return drop_connection(request)
        return web.Response(
            status=201 if created else 200,
            text=badge.payload,
            content_type="text/plain" if badge.payload_kind == "vc-jwt" else "application/json",
            headers=self.context.public_link(badge),
        )

    async def list_credentials(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "credential.readonly")
        if isinstance(grant, web.Response):
            return grant
        held = [b for b in self.context.store.badges(grant.account_id) if b.spec == "ob3"]
        limit, offset = paging(request)
        page = held[offset : offset + limit]
        document: dict[str, Any] = {
            "compactJwsString": [b.payload for b in page if b.payload_kind == "vc-jwt"],
            "credential": [json.loads(b.payload) for b in page if b.payload_kind != "vc-jwt"],
        }
        return web.json_response(document, headers=page_headers(request, len(held), limit, offset))

    async def profile(self, request: web.Request) -> web.Response:
        grant = self._grant(request, "profile.readonly")
        if isinstance(grant, web.Response):
            return grant
        emails = self.context.store.emails(grant.account_id)
        return web.json_response(
            {
                "@context": ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
                "type": "Profile",
                "id": f"{self.context.base_url}/profile/{grant.account_id}",
                "name": self.context.store.account_name(grant.account_id),
                "email": emails[0][0] if emails else None,
            }
        )
