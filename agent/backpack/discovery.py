"""Discovery: where a backpack's API and OAuth endpoints are, from the document it publishes.

- Badge Connect 2.1: the manifest at ``BASE/.well-known/badgeconnect.json`` (``badgeConnectAPI``).
- Open Badges 3.0: the service description at ``BASE/ims/ob/v3p0/discovery`` (an OpenAPI
  document: ``servers[0].url`` and the ``OAuth2ACG`` security scheme with its ``x-imssf-*``
  extensions).
- Badgr v2 publishes nothing: its endpoints are fixed paths under the base URL.

Rules: every endpoint must be http(s); when the configured base is https, every endpoint must be
https too (a manifest cannot send the token flow over plain http). The parsers are pure.
"""

from __future__ import annotations

from typing import Any

from yarl import URL

from agent.backpack.config import BackpackKind, Endpoints
from agent.backpack.errors import BackpackError
from agent.backpack.http import BackpackHttp, HttpAnswer, host_of
from agent.errors import ErrorCode

BADGE_CONNECT_MANIFEST = "/.well-known/badgeconnect.json"
OB3_DISCOVERY = "/ims/ob/v3p0/discovery"
BADGE_CONNECT_SCOPES = (
    "https://purl.imsglobal.org/spec/ob/v2p1/scope/assertion.readonly",
    "https://purl.imsglobal.org/spec/ob/v2p1/scope/assertion.create",
    "https://purl.imsglobal.org/spec/ob/v2p1/scope/profile.readonly",
    "offline_access",
)
OB3_SCOPES = (
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly",
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert",
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly",
)
BADGR_SCOPES = ("rw:profile", "rw:backpack")


def _failed(base: str, what: str) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_DISCOVERY_FAILED,
        f"The backpack at {host_of(base)} {what}. Check the URL and the kind given to "
        "`badgekeeper backpack add`.",
    )


def _endpoint(value: Any, document_url: str, base: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _failed(base, f"publishes no {what}")
    try:
        resolved = URL(document_url).join(URL(value.strip()))
    except (ValueError, TypeError) as exc:
        raise _failed(base, f"publishes a {what} that is not a URL") from exc
    if resolved.scheme not in ("http", "https") or not resolved.raw_host:
        raise _failed(base, f"publishes a {what} that is not an http(s) URL")
    if URL(base).scheme == "https" and resolved.scheme != "https":
        raise _failed(base, f"publishes a plain-http {what} for an https backpack")
    return str(resolved).rstrip("/")


def _optional(value: Any, document_url: str, base: str, what: str) -> str | None:
    if value is None or value == "":
        return None
    return _endpoint(value, document_url, base, what)


def parse_badge_connect_manifest(document: Any, document_url: str, base: str) -> Endpoints:
    """The Badge Connect API a manifest describes (the first ``v2p1`` entry)."""
    apis = document.get("badgeConnectAPI") if isinstance(document, dict) else None
    if isinstance(apis, dict):
        apis = [apis]
    if not isinstance(apis, list):
        raise _failed(base, "publishes no Badge Connect manifest (badgeConnectAPI)")
    entries = [api for api in apis if isinstance(api, dict)]
    chosen = next((api for api in entries if api.get("version") == "v2p1"), None)
    if chosen is None:
        raise _failed(base, "publishes no Badge Connect v2p1 API")
    offered = chosen.get("scopesOffered")
    scopes = tuple(s for s in offered if isinstance(s, str)) if isinstance(offered, list) else ()
    name = chosen.get("name")
    return Endpoints(
        api_base=_endpoint(chosen.get("apiBase"), document_url, base, "apiBase"),
        token_url=_endpoint(chosen.get("tokenUrl"), document_url, base, "tokenUrl"),
        registration_url=_endpoint(
            chosen.get("registrationUrl"), document_url, base, "registrationUrl"
        ),
        authorization_url=_endpoint(
            chosen.get("authorizationUrl"), document_url, base, "authorizationUrl"
        ),
        revocation_url=_optional(
            chosen.get("tokenRevocationUrl"), document_url, base, "tokenRevocationUrl"
        ),
        scopes=scopes,
        provider_name=name[:200] if isinstance(name, str) else None,
    )


def parse_ob3_service_description(document: Any, document_url: str, base: str) -> Endpoints:
    """The OB 3.0 API an OpenAPI service description document describes."""
    if not isinstance(document, dict):
        raise _failed(base, "publishes no OB 3.0 service description")
    servers = document.get("servers")
    server = servers[0] if isinstance(servers, list) and servers else None
    api_base = server.get("url") if isinstance(server, dict) else None
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    scheme = schemes.get("OAuth2ACG") if isinstance(schemes, dict) else None
    if not isinstance(scheme, dict):
        raise _failed(base, "publishes no OAuth2ACG security scheme")
    flows = scheme.get("flows")
    flow = flows.get("authorizationCode") if isinstance(flows, dict) else None
    if not isinstance(flow, dict):
        raise _failed(base, "publishes no authorization code flow")
    offered = flow.get("scopes")
    name = scheme.get("x-imssf-name")
    return Endpoints(
        api_base=_endpoint(api_base, document_url, base, "API server URL"),
        token_url=_endpoint(flow.get("tokenUrl"), document_url, base, "tokenUrl"),
        registration_url=_endpoint(
            scheme.get("x-imssf-registrationUrl"), document_url, base, "registration URL"
        ),
        authorization_url=_endpoint(
            flow.get("authorizationUrl"), document_url, base, "authorizationUrl"
        ),
        scopes=tuple(offered) if isinstance(offered, dict) else (),
        provider_name=name[:200] if isinstance(name, str) else None,
    )


def badgr_endpoints(base: str) -> Endpoints:
    root = base.rstrip("/")
    return Endpoints(
        api_base=root,
        token_url=root + "/o/token",
        revocation_url=root + "/o/revoke_token",
        scopes=BADGR_SCOPES,
        provider_name=None,
    )


def requested_scopes(kind: BackpackKind, offered: tuple[str, ...]) -> tuple[str, ...]:
    """The scopes to ask for: ours, minus any the backpack says it does not offer."""
    wanted = {"badge-connect": BADGE_CONNECT_SCOPES, "ob3": OB3_SCOPES, "badgr": BADGR_SCOPES}
    ours = wanted[kind]
    if not offered:
        return ours
    # offline_access (a refresh token) is an OAuth scope a manifest need not list.
    return tuple(scope for scope in ours if scope in offered or scope == "offline_access")


async def discover(http: BackpackHttp, kind: BackpackKind, base: str) -> Endpoints:
    """Fetch and read the backpack's discovery document (nothing to fetch for Badgr)."""
    root = base.rstrip("/")
    if kind == "badgr":
        return badgr_endpoints(root)
    path = BADGE_CONNECT_MANIFEST if kind == "badge-connect" else OB3_DISCOVERY
    answer = await http.request(
        "GET", root + path, headers={"Accept": "application/json"}, follow=True
    )
    document = _document(answer, root, path)
    if kind == "badge-connect":
        return parse_badge_connect_manifest(document, answer.url, root)
    return parse_ob3_service_description(document, answer.url, root)


def _document(answer: HttpAnswer, base: str, path: str) -> Any:
    if answer.status == 404:
        raise _failed(base, f"has no {path} (HTTP 404)")
    if answer.status >= 500:
        raise BackpackError(
            ErrorCode.BACKPACK_SERVER_ERROR,
            f"The backpack at {host_of(base)} answered HTTP {answer.status} for its discovery "
            "document. Try again later.",
        )
    if answer.status != 200:
        raise _failed(base, f"answered HTTP {answer.status} for {path}")
    document = answer.json_or_none()
    if document is None:
        raise _failed(base, f"answered {path} with something that is not JSON")
    return document
