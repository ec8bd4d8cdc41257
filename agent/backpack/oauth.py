"""OAuth 2.0 as backpacks speak it: PKCE S256, dynamic client registration, tokens, revocation.

- Badge Connect 2.1 and the OB 3.0 API: RFC 7591 registration, then the authorization code grant
  with PKCE ``S256`` (RFC 7636) and a loopback redirect (RFC 8252); the client authenticates
  to the token endpoint with HTTP Basic (``client_secret_basic``).
- Badgr v2: the password grant with its public client id, and refresh tokens.

Rules: token answers are read strictly (a bearer ``access_token`` is required); a refused grant
is ``BACKPACK_AUTH_FAILED`` (or ``BACKPACK_RECONNECT`` for a refresh, which the caller decides);
nothing here logs or returns a secret inside a message.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

import agent
from agent.backpack.config import Endpoints
from agent.backpack.errors import BackpackError, protocol_error
from agent.backpack.http import BackpackHttp, HttpAnswer, host_of
from agent.backpack.tokens import Credentials
from agent.errors import ErrorCode

SOFTWARE_ID = "5f0f4a83-6a1c-4b8e-9c55-0b2a4c1d6e77"  # stays the same for every install
BADGR_CLIENT_ID = "public"
MAX_TOKEN_CHARS = 4096
PROJECT_URL = "https://github.com/badgekeeper/badgekeeper"


@dataclass(frozen=True)
class Pkce:
    """A PKCE verifier (secret until the token request) and its S256 challenge."""

    verifier: str = field(repr=False)
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-]
        return cls(verifier, s256_challenge(verifier))


def s256_challenge(verifier: str) -> str:
    """BASE64URL-ENCODE(SHA256(ASCII(verifier))) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorization_url(
    endpoints: Endpoints,
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    state: str,
    challenge: str,
) -> str:
    """The URL the user's browser opens to approve Badgekeeper."""
    if endpoints.authorization_url is None:
        raise protocol_error(host_of(endpoints.api_base), "publishes no authorization URL")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in endpoints.authorization_url else "?"
    return f"{endpoints.authorization_url}{separator}{query}"


def basic_auth(client_id: str, client_secret: str) -> str:
    """HTTP Basic for a client (RFC 6749 §2.3.1: each part form-encoded first)."""
    raw = f"{quote_plus(client_id)}:{quote_plus(client_secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


async def register_client(
    http: BackpackHttp, endpoints: Endpoints, redirect_uri: str, scopes: Sequence[str]
) -> Credentials:
    """RFC 7591 registration; the credentials hold only the client id and secret."""
    if endpoints.registration_url is None:
        raise protocol_error(host_of(endpoints.api_base), "publishes no registration URL")
    request = {
        "client_name": "Badgekeeper",
        "client_uri": PROJECT_URL,
        "logo_uri": PROJECT_URL + "/logo.png",
        "tos_uri": PROJECT_URL + "/terms",
        "policy_uri": PROJECT_URL + "/privacy",
        "software_id": SOFTWARE_ID,
        "software_version": agent.__version__,
        "redirect_uris": [redirect_uri],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": " ".join(scopes),
    }
    answer = await http.request(
        "POST",
        endpoints.registration_url,
        json_body=request,
        headers={"Accept": "application/json"},
    )
    if answer.status >= 500:
        raise _server_error(answer)
    if answer.status not in (200, 201):
        raise BackpackError(
            ErrorCode.BACKPACK_AUTH_FAILED,
            f"The backpack at {answer.host} refused to register Badgekeeper as a client "
            f"(HTTP {answer.status}{_oauth_reason(answer)}).",
        )
    document = answer.json_object()
    client_id, client_secret = document.get("client_id"), document.get("client_secret")
    if not _token_text(client_id) or not _token_text(client_secret):
        raise protocol_error(answer.host, "registered Badgekeeper without a client id and secret")
    return Credentials(client_id=client_id, client_secret=client_secret)


async def exchange_code(
    http: BackpackHttp,
    endpoints: Endpoints,
    client: Credentials,
    *,
    code: str,
    redirect_uri: str,
    verifier: str,
    scopes: Sequence[str],
    now: float,
) -> Credentials:
    """Trade the authorization code for tokens."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "code_verifier": verifier,
    }
    answer = await _token_request(http, endpoints.token_url, form, client)
    if answer.status != 200:
        raise _refused(answer, "did not accept the approval")
    return read_token_answer(answer, client, now)


async def password_grant(
    http: BackpackHttp,
    token_url: str,
    *,
    username: str,
    password: str,
    scopes: Sequence[str],
    now: float,
) -> Credentials:
    """Badgr's token login; the password is sent once and never kept."""
    form = {
        "grant_type": "password",
        "client_id": BADGR_CLIENT_ID,
        "scope": " ".join(scopes),
        "username": username,
        "password": password,
    }
    answer = await _token_request(http, token_url, form, None)
    if answer.status != 200:
        raise _refused(answer, "refused the user name or password")
    return read_token_answer(answer, Credentials(client_id=BADGR_CLIENT_ID), now)


async def refresh(
    http: BackpackHttp, token_url: str, held: Credentials, *, now: float
) -> Credentials | None:
    """New tokens from the refresh token; None when the backpack refuses it (reconnect)."""
    if not held.refresh_token:
        return None
    form = {"grant_type": "refresh_token", "refresh_token": held.refresh_token}
    if held.scope:
        form["scope"] = held.scope
    answer = await _token_request(http, token_url, form, held)
    if answer.status >= 500:
        raise _server_error(answer)
    if answer.status != 200:
        return None
    renewed = read_token_answer(answer, held, now)
    if renewed.refresh_token is None:  # the backpack kept the old refresh token valid
        renewed = Credentials(
            access_token=renewed.access_token,
            refresh_token=held.refresh_token,
            expires_at=renewed.expires_at,
            scope=renewed.scope,
            client_id=renewed.client_id,
            client_secret=renewed.client_secret,
        )
    return renewed


async def revoke(http: BackpackHttp, url: str, held: Credentials) -> bool:
    """Ask the backpack to revoke the refresh and access tokens (RFC 7009); True when it did."""
    done = True
    for token, hint in ((held.refresh_token, "refresh_token"), (held.access_token, "access_token")):
        if not token:
            continue
        try:
            answer = await _token_request(
                http, url, {"token": token, "token_type_hint": hint}, held
            )
        except BackpackError:
            return False
        done = done and answer.status == 200
    return done


async def _token_request(
    http: BackpackHttp, url: str, form: Mapping[str, str], client: Credentials | None
) -> HttpAnswer:
    headers = {"Accept": "application/json"}
    body = dict(form)
    if client is not None and client.client_id and client.client_secret:
        headers["Authorization"] = basic_auth(client.client_id, client.client_secret)
    elif client is not None and client.client_id:
        body["client_id"] = client.client_id  # a public client names itself in the form
    return await http.request("POST", url, form=body, headers=headers)


def read_token_answer(answer: HttpAnswer, client: Credentials, now: float) -> Credentials:
    """Credentials from an RFC 6749 §5.1 token answer, keeping the client they came from."""
    document = answer.json_object()
    access = document.get("access_token")
    token_type = document.get("token_type", "Bearer")
    if not _token_text(access):
        raise protocol_error(answer.host, "answered the token request without an access token")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise protocol_error(answer.host, "issued a token that is not a bearer token")
    refresh_token = document.get("refresh_token")
    expires_in = document.get("expires_in")
    expires_at = None
    if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
        expires_at = now + max(0.0, min(float(expires_in), 10 * 365 * 86400.0))
    scope = document.get("scope")
    return Credentials(
        access_token=access,
        refresh_token=refresh_token if _token_text(refresh_token) else None,
        expires_at=expires_at,
        scope=scope if isinstance(scope, str) else client.scope,
        client_id=client.client_id,
        client_secret=client.client_secret,
    )


def _token_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_TOKEN_CHARS and value.isprintable()


def _oauth_reason(answer: HttpAnswer) -> str:
    document = answer.json_or_none()
    error = document.get("error") if isinstance(document, dict) else None
    return ": " + error[:60] if isinstance(error, str) else ""


def _server_error(answer: HttpAnswer) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_SERVER_ERROR,
        f"The backpack at {answer.host} answered HTTP {answer.status} while signing in. Try "
        "again later.",
        retry_after=answer.retry_after(),
    )


def _refused(answer: HttpAnswer, what: str) -> BackpackError:
    if answer.status >= 500:
        return _server_error(answer)
    return BackpackError(
        ErrorCode.BACKPACK_AUTH_FAILED,
        f"The backpack at {answer.host} {what} (HTTP {answer.status}{_oauth_reason(answer)}). "
        "Try again; check the user name and password, or approve the request in the browser.",
    )
