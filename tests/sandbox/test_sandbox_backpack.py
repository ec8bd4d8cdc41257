"""The sandbox backpack as a peer: its OAuth server's checks, its APIs' answers, auto-association,
public pages with Open Graph tags, and its fault switches."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from agent.backpack.oauth import Pkce, basic_auth
from agent.sandbox.backpack import DEMO_EMAIL, DEMO_PASSWORD, Sandbox, run_sandbox
from agent.sandbox.backpack.store import StoredBadge

REDIRECT = "http://127.0.0.1:9/callback"
BC = "https://purl.imsglobal.org/spec/ob/v2p1/scope/"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with run_sandbox() as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _register(http: aiohttp.ClientSession, base: str) -> tuple[str, str]:
    body = {"client_name": "Test", "redirect_uris": [REDIRECT], "scope": BC + "assertion.create"}
    async with http.post(base + "/o/register", json=body) as answer:
        assert answer.status == 201
        client = await answer.json()
    return client["client_id"], client["client_secret"]


async def _code(http: aiohttp.ClientSession, base: str, client_id: str, pkce: Pkce) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": BC + "assertion.create " + BC + "assertion.readonly",
        "state": "s1",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    form = {**query, "email": DEMO_EMAIL, "password": DEMO_PASSWORD, "decision": "approve"}
    async with http.post(base + "/o/authorize", data=form, allow_redirects=False) as answer:
        assert answer.status == 302
        location = URL(answer.headers["Location"])
    assert location.query["state"] == "s1"
    return location.query["code"]


async def _token(
    http: aiohttp.ClientSession, base: str, client: tuple[str, str], code: str, verifier: str
) -> tuple[int, dict[str, Any]]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    headers = {"Authorization": basic_auth(*client)}
    async with http.post(base + "/o/token", data=form, headers=headers) as answer:
        return answer.status, await answer.json()


async def test_pkce_verifier_must_match_and_a_code_works_once(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    """A wrong verifier is invalid_grant; the right one gets tokens once; a reused code fails."""
    base = sandbox.backpack.base_url
    client = await _register(http, base)
    pkce = Pkce.new()
    code = await _code(http, base, client[0], pkce)
    status, body = await _token(http, base, client, code, "x" * 50)
    assert (status, body) == (400, {"error": "invalid_grant"})
    code = await _code(http, base, client[0], pkce)
    status, body = await _token(http, base, client, code, pkce.verifier)
    assert status == 200 and body["token_type"] == "Bearer" and body["refresh_token"]
    status, _ = await _token(http, base, client, code, pkce.verifier)
    assert status == 400


async def test_an_unregistered_redirect_is_never_followed(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    """The consent page refuses (400 page) a redirect URI the client did not register."""
    base = sandbox.backpack.base_url
    client_id, _ = await _register(http, base)
    query = {"client_id": client_id, "redirect_uri": "https://evil.example/cb", "state": "s"}
    async with http.get(base + "/o/authorize", params=query, allow_redirects=False) as answer:
        assert answer.status == 400
        assert "evil.example" not in answer.headers.get("Location", "")


async def test_the_consent_page_is_a_real_form(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    """A person sees the client's name, the scopes, and a sign-in form with approve and deny."""
    base = sandbox.backpack.base_url
    client_id, _ = await _register(http, base)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": BC + "assertion.create",
        "state": "s",
        "code_challenge": "c",
        "code_challenge_method": "S256",
    }
    async with http.get(base + "/o/authorize", params=query) as answer:
        page = await answer.text()
    assert "<form method='post' action='/o/authorize'>" in page
    assert "assertion.create" in page and "value='approve'" in page and "value='deny'" in page
    form = {**query, "email": DEMO_EMAIL, "password": "wrong", "decision": "approve"}
    async with http.post(base + "/o/authorize", data=form, allow_redirects=False) as answer:
        assert answer.status == 401 and "Wrong e-mail address or password" in await answer.text()


async def test_badges_issued_to_an_account_show_up_as_pending(sandbox: Sandbox) -> None:
    """Auto-association: issued to the account's address, the badge is there, pending."""
    mine = sandbox.issue(lambda i: i.issue_ob2_hosted(DEMO_EMAIL), DEMO_EMAIL)
    sandbox.issue(lambda i: i.issue_ob2_hosted("x@else.example"), "x@else.example")
    held = sandbox.backpack.store.badges(1)
    assert [(b.assertion_id, b.state) for b in held] == [(mine.assertion_id, "pending")]


async def _badgr_token(http: aiohttp.ClientSession, base: str) -> str:
    form = {
        "grant_type": "password",
        "client_id": "public",
        "username": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
    }
    async with http.post(base + "/o/token", data=form) as answer:
        return str((await answer.json())["access_token"])


async def test_badgr_import_accepts_once_then_answers_duplicate(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    """The first import of a pending badge accepts it (201); the next is DUPLICATE_BADGE."""
    base = sandbox.backpack.base_url
    badge = sandbox.issue(lambda i: i.issue_ob2_signed(DEMO_EMAIL), DEMO_EMAIL)
    headers = {"Authorization": f"Bearer {await _badgr_token(http, base)}"}
    image = "data:image/png;base64," + base64.b64encode(badge.image).decode()
    async with http.post(base + "/v2/backpack/import", json={"image": image}, headers=headers) as a:
        assert a.status == 201
        first = (await a.json())["result"][0]
    assert first["openBadgeId"] == badge.assertion_id and first["acceptance"] == "Accepted"
    async with http.post(base + "/v2/backpack/import", json={"image": image}, headers=headers) as a:
        assert a.status == 400
        body = await a.json()
    assert body["status"]["success"] is False
    assert body["validationErrors"][0]["name"] == "DUPLICATE_BADGE"
    assert sandbox.backpack.store.created[badge.assertion_id] == 1


async def test_badgr_import_refuses_someone_elses_badge(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    """A badge issued to another address is VERIFY_RECIPIENT_IDENTIFIER, as Badgr answers."""
    base = sandbox.backpack.base_url
    badge = sandbox.issue(lambda i: i.issue_ob2_hosted("x@else.example"), "x@else.example")
    headers = {"Authorization": f"Bearer {await _badgr_token(http, base)}"}
    async with http.post(
        base + "/v2/backpack/import", json={"url": badge.assertion_id}, headers=headers
    ) as answer:
        assert answer.status == 400
        body = await answer.json()
    assert body["validationErrors"][0]["name"] == "VERIFY_RECIPIENT_IDENTIFIER"
    async with http.post(
        base + "/v2/backpack/import", json={"url": "x", "image": "y"}, headers=headers
    ) as answer:
        assert answer.status == 400


async def test_public_pages_carry_open_graph_tags_and_escape_everything(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    """An accepted badge has a page with og:title/description/image/url; HTML is escaped;
    pending badges have no public page."""
    store = sandbox.backpack.store
    evil = "<script>alert(1)</script>"
    badge = StoredBadge(
        "abc123",
        1,
        "https://issuer.example/a/9",
        "ob2",
        "url",
        "https://issuer.example/a/9",
        None,
        None,
        "https://issuer.example/i.png",
        evil,
        "A 'quoted' description",
        "Academy",
        "2026-01-01",
        "accepted",
    )
    store.keep_badge(badge)
    stored = store.badge_by_assertion(1, badge.assertion_id)
    assert stored is not None
    async with http.get(f"{sandbox.backpack.base_url}/public/badges/{stored.id}") as answer:
        page = await answer.text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    for tag in ("og:title", "og:description", "og:image", "og:url", "twitter:card"):
        assert f"'{tag}'" in page
    assert "content='https://issuer.example/i.png'" in page
    pending = sandbox.issue(lambda i: i.issue_ob2_hosted(DEMO_EMAIL), DEMO_EMAIL)
    held = store.badge_by_assertion(1, pending.assertion_id)
    assert held is not None
    async with http.get(f"{sandbox.backpack.base_url}/public/badges/{held.id}") as answer:
        assert answer.status == 404


async def test_fault_switches_count_down_and_spare_discovery(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    """error_500 hits API routes only, as many times as set; discovery keeps answering."""
    base = sandbox.backpack.base_url
    sandbox.backpack.faults.error_500 = 1
    async with http.get(base + "/.well-known/badgeconnect.json") as answer:
        manifest = await answer.json()
    assert manifest["badgeConnectAPI"][0]["apiBase"] == base + "/bc/ims/ob/v2p1"
    api = base + "/bc/ims/ob/v2p1/assertions"
    async with http.get(api) as answer:
        assert answer.status == 500
    async with http.get(api) as answer:
        body = await answer.json()
    assert answer.status == 401 and body["status"]["statusText"] == "UNAUTHENTICATED"


async def test_badge_connect_lists_with_paging_headers(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    """GET /assertions answers the envelope with X-Total-Count and first/last/next links."""
    base = sandbox.backpack.base_url
    for _ in range(3):
        sandbox.issue(lambda i: i.issue_ob2_hosted(DEMO_EMAIL), DEMO_EMAIL)
    client = await _register(http, base)
    pkce = Pkce.new()
    code = await _code(http, base, client[0], pkce)
    _, tokens = await _token(http, base, client, code, pkce.verifier)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with http.get(base + "/bc/ims/ob/v2p1/assertions?limit=2", headers=headers) as answer:
        body = json.loads(await answer.text())
        links = answer.headers["Link"]
        total = answer.headers["X-Total-Count"]
    assert body["status"]["statusCode"] == 200 and len(body["assertions"]) == 2
    assert total == "3" and 'rel="next"' in links and 'rel="last"' in links
