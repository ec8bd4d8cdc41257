"""Connecting a backpack: the OAuth authorization code flow with PKCE, or Badgr's token login.

The OAuth flow (Badge Connect 2.1 and the OB 3.0 API), in order:

1. discovery (the manifest or service description) gives the endpoints;
2. a loopback redirect listener opens on 127.0.0.1 (RFC 8252);
3. Badgekeeper registers itself for that redirect URI (RFC 7591);
4. the authorization URL (with ``state`` and a PKCE S256 challenge) goes to the caller, who
   opens the browser or prints it — this function keeps waiting;
5. the redirect brings the code; it is exchanged (with the PKCE verifier) for tokens.

The caller stores the credentials; nothing here writes files or logs secrets.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from agent.backpack import oauth
from agent.backpack.config import BackpackConfig, Endpoints
from agent.backpack.discovery import discover, requested_scopes
from agent.backpack.http import BackpackHttp
from agent.backpack.loopback import LoopbackRedirect
from agent.backpack.tokens import Credentials

CONNECT_TIMEOUT = 600.0  # how long the loopback listener waits for the user to approve


@dataclass(frozen=True)
class Authorization:
    """What the user approves: the URL to open, and where the browser comes back to."""

    url: str
    redirect_uri: str


async def oauth_connect(
    http: BackpackHttp,
    config: BackpackConfig,
    *,
    on_authorization: Callable[[Authorization], None],
    now: Callable[[], float],
    timeout: float = CONNECT_TIMEOUT,
) -> tuple[Endpoints, Credentials]:
    """Run the flow for ``config``; ``on_authorization`` gets the URL as soon as it exists."""
    endpoints = await discover(http, config.kind, config.url)
    scopes = requested_scopes(config.kind, endpoints.scopes)
    state = secrets.token_urlsafe(24)
    pkce = oauth.Pkce.new()
    async with LoopbackRedirect(state, backpack=config.name) as redirect:
        client = await oauth.register_client(http, endpoints, redirect.uri, scopes)
        client_id = client.client_id or ""
        url = oauth.authorization_url(
            endpoints, client_id, redirect.uri, scopes, state, pkce.challenge
        )
        on_authorization(Authorization(url, redirect.uri))
        code = await redirect.wait(timeout)
        # Exchanged before the listener closes, so the browser's page is sent in full meanwhile.
        credentials = await oauth.exchange_code(
            http,
            endpoints,
            client,
            code=code,
            redirect_uri=redirect.uri,
            verifier=pkce.verifier,
            scopes=scopes,
            now=now(),
        )
    return endpoints, credentials


async def password_login(
    http: BackpackHttp,
    config: BackpackConfig,
    *,
    username: str,
    password: str,
    now: Callable[[], float],
) -> tuple[Endpoints, Credentials]:
    """Badgr's token login: the password is used for this one request and never kept."""
    endpoints = await discover(http, config.kind, config.url)
    credentials = await oauth.password_grant(
        http,
        endpoints.token_url,
        username=username,
        password=password,
        scopes=requested_scopes(config.kind, endpoints.scopes),
        now=now(),
    )
    return endpoints, credentials
