"""The sandbox backpack's OAuth 2.0 server: registration, consent, tokens, revocation.

- ``POST /o/register`` — RFC 7591 dynamic client registration (Badge Connect, OB 3.0).
- ``GET /o/authorize`` — the consent page; ``POST /o/authorize`` — the person's decision. PKCE
  ``S256`` is required; the redirect URI must be one the client registered.
  ``auto_approve`` (an account's address; the demo and tests set it) skips the page and approves
  for that account — the rest of the flow is unchanged.
- ``POST /o/token`` — ``authorization_code`` (client_secret_basic + PKCE verifier),
  ``refresh_token`` (rotating), and Badgr's ``password`` grant with client id ``public``.
- ``POST /o/revoke_token`` — RFC 7009.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web
from yarl import URL

from agent.sandbox.backpack import pages
from agent.sandbox.backpack.store import Grant, SandboxStore

PUBLIC_CLIENT = "public"
BADGR_SCOPE = "rw:profile rw:backpack"
AUTHORIZE_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _oauth_error(error: str, status: int = 400) -> web.Response:
    return web.json_response({"error": error}, status=status, headers={"Cache-Control": "no-store"})


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html")


def bearer_grant(store: SandboxStore, request: web.Request) -> Grant | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return store.grant_for(token.strip())


class OAuthServer:
    """Routes of the sandbox's authorization server."""

    def __init__(self, store: SandboxStore, *, token_ttl: float = 3600.0) -> None:
        self.store = store
        self.token_ttl = token_ttl
        self.auto_approve: str | None = None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/o/register", self.register)
        app.router.add_get("/o/authorize", self.authorize_form)
        app.router.add_post("/o/authorize", self.authorize_decision)
        app.router.add_post("/o/token", self.token)
        app.router.add_post("/o/revoke_token", self.revoke)

    async def register(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return _oauth_error("invalid_client_metadata")
        uris = body.get("redirect_uris") if isinstance(body, dict) else None
        if not isinstance(uris, list) or not uris or not all(_is_http(u) for u in uris):
            return _oauth_error("invalid_redirect_uri")
        name = body.get("client_name") if isinstance(body.get("client_name"), str) else "Client"
        scope = body.get("scope") if isinstance(body.get("scope"), str) else ""
        client_id, secret = self.store.register_client(name, uris, scope)
        answer = {
            **body,
            "client_id": client_id,
            "client_secret": secret,
            "client_id_issued_at": int(time.time()),
            "client_secret_expires_at": 0,
            "token_endpoint_auth_method": "client_secret_basic",
        }
        return web.json_response(answer, status=201, headers={"Cache-Control": "no-store"})

    def _check_request(self, params: Mapping[str, str]) -> tuple[dict[str, Any], str | None]:
        """``(client, problem)``: a problem that must not redirect is an error page instead."""
        client = self.store.client(params.get("client_id", ""))
        if client is None:
            return {}, "This application is not registered with the Sandbox Backpack."
        if params.get("redirect_uri") not in client["redirect_uris"]:
            return client, "The redirect address is not one this application registered."
        return client, None

    def _redirect(self, params: Mapping[str, str], **query: str) -> web.Response:
        target = URL(params["redirect_uri"]).update_query(
            {**query, "state": params.get("state", "")}
        )
        raise web.HTTPFound(str(target))

    def _approve(self, params: Mapping[str, str], account_id: int) -> web.Response:
        if params.get("response_type") != "code":
            return self._redirect(params, error="unsupported_response_type")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return self._redirect(params, error="invalid_request")
        code = self.store.new_code(
            params["client_id"],
            account_id,
            params["redirect_uri"],
            params["code_challenge"],
            params.get("scope", ""),
        )
        return self._redirect(params, code=code)

    async def authorize_form(self, request: web.Request) -> web.Response:
        params = {name: request.query.get(name, "") for name in AUTHORIZE_FIELDS}
        client, problem = self._check_request(params)
        if problem is not None:
            return _html(pages.error_page("Cannot approve", problem), 400)
        if self.auto_approve is not None:
            account_id = self.store.account_for_email(self.auto_approve)
            if account_id is not None:
                return self._approve(params, account_id)
        scopes = params["scope"].split()
        return _html(pages.consent_page(client["name"], scopes, params))

    async def authorize_decision(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {name: str(form.get(name, "")) for name in AUTHORIZE_FIELDS}
        client, problem = self._check_request(params)
        if problem is not None:
            return _html(pages.error_page("Cannot approve", problem), 400)
        if form.get("decision") != "approve":
            return self._redirect(params, error="access_denied")
        account_id = self.store.check_password(
            str(form.get("email", "")), str(form.get("password", ""))
        )
        if account_id is None:
            scopes = params["scope"].split()
            page = pages.consent_page(
                client["name"], scopes, params, "Wrong e-mail address or password."
            )
            return _html(page, 401)
        return self._approve(params, account_id)

    def _client_auth(self, request: web.Request, form: Mapping[str, Any]) -> str | None:
        """The authenticated client id (Basic), or the public client named in the form."""
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                return None
            client_id, _, secret = raw.partition(":")
            client_id, secret = unquote_plus(client_id), unquote_plus(secret)
            return client_id if self.store.check_client(client_id, secret) else None
        return PUBLIC_CLIENT if form.get("client_id") == PUBLIC_CLIENT else None

    def _tokens(self, client_id: str, account_id: int, scope: str) -> web.Response:
        access, refresh = self.store.new_tokens(client_id, account_id, scope, self.token_ttl)
        return web.json_response(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": int(self.token_ttl),
                "refresh_token": refresh,
                "scope": scope,
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id = self._client_auth(request, form)
        if client_id is None:
            return _oauth_error("invalid_client", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code" and client_id != PUBLIC_CLIENT:
            row = self.store.take_code(str(form.get("code", "")))
            if (
                row is None
                or row["client_id"] != client_id
                or row["redirect_uri"] != form.get("redirect_uri")
                or s256(str(form.get("code_verifier", ""))) != row["challenge"]
            ):
                return _oauth_error("invalid_grant")
            return self._tokens(client_id, row["account_id"], row["scope"])
        if grant_type == "refresh_token":
            row = self.store.take_refresh(str(form.get("refresh_token", "")))
            if row is None or row["client_id"] != client_id:
                return _oauth_error("invalid_grant")
            return self._tokens(client_id, row["account_id"], row["scope"])
        if grant_type == "password" and client_id == PUBLIC_CLIENT:
            account_id = self.store.check_password(
                str(form.get("username", "")), str(form.get("password", ""))
            )
            if account_id is None:
                return _oauth_error("invalid_grant")
            return self._tokens(client_id, account_id, BADGR_SCOPE)
        return _oauth_error("unsupported_grant_type")

    async def revoke(self, request: web.Request) -> web.Response:
        form = await request.post()
        token = form.get("token")
        if isinstance(token, str) and token:
            self.store.revoke(token)
        return web.Response(status=200)


def _is_http(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))
