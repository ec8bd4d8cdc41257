"""Connecting backpacks against the sandbox: the real OAuth flow (discovery, registration, PKCE,
consent, loopback redirect), token refresh, reconnect, Badgr login, disconnect."""

from __future__ import annotations

import aiohttp
import pytest

from agent.backpack.errors import BackpackError
from agent.errors import ErrorCode
from agent.sandbox.backpack import DEMO_PASSWORD, approve_in_browser
from tests.backpack.conftest import EARNER, Harness


async def test_badge_connect_runs_the_real_oauth_flow(harness: Harness) -> None:
    """Connect registers a client, sends PKCE S256, and stores tokens once the consent is given."""
    await harness.backpacks.add("sb", "badge-connect", harness.sandbox.backpack.base_url)
    started = await harness.backpacks.begin_connect("sb")
    url = started["authorization_url"]
    assert "code_challenge_method=S256" in url and "state=" in url
    assert started["redirect_uri"].startswith("http://127.0.0.1:")
    assert "assertion.create" in url
    landed = await approve_in_browser(url, email=EARNER, password=DEMO_PASSWORD)
    assert "code" in landed.query
    backpack = await harness.backpacks.wait_connected("sb", 10)
    assert backpack["status"] == "connected"
    assert backpack["account"] == EARNER
    assert backpack["provider_name"] == "Sandbox Backpack"
    held = harness.backpacks.tokens.get("sb")
    assert held is not None and held.client_id and held.client_secret and held.refresh_token
    assert harness.sink.named("backpack.connected")[0]["backpack"]["name"] == "sb"


async def test_a_redirect_with_another_state_is_ignored(harness: Harness) -> None:
    """The loopback listener answers a foreign redirect with an error page and keeps waiting."""
    await harness.backpacks.add("sb", "badge-connect", harness.sandbox.backpack.base_url)
    started = await harness.backpacks.begin_connect("sb")
    async with aiohttp.ClientSession() as session:
        forged = f"{started['redirect_uri']}?code=stolen&state=forged"
        async with session.get(forged) as answer:
            assert answer.status == 400
    waiting = await harness.backpacks.wait_connected("sb", 0)
    assert waiting["connecting"] is True and waiting["status"] == "not_connected"
    await approve_in_browser(started["authorization_url"], email=EARNER, password=DEMO_PASSWORD)
    assert (await harness.backpacks.wait_connected("sb", 10))["status"] == "connected"


async def test_a_denied_consent_says_so(harness: Harness) -> None:
    """Denying at the consent page ends the connect with BACKPACK_AUTH_FAILED, nothing stored."""
    await harness.backpacks.add("sb", "badge-connect", harness.sandbox.backpack.base_url)
    started = await harness.backpacks.begin_connect("sb")
    await approve_in_browser(
        started["authorization_url"], email=EARNER, password=DEMO_PASSWORD, approve=False
    )
    with pytest.raises(BackpackError) as failed:
        await harness.backpacks.wait_connected("sb", 10)
    assert failed.value.code is ErrorCode.BACKPACK_AUTH_FAILED
    assert "not approved" in failed.value.message
    assert harness.backpacks.tokens.get("sb") is None


async def test_ob3_backpack_connects_through_its_service_description(harness: Harness) -> None:
    """An OB 3.0 backpack is discovered at /ims/ob/v3p0/discovery and connected with OAuth."""
    backpack = await harness.add_and_connect("ob3", "ob3")
    assert backpack["status"] == "connected" and backpack["kind"] == "ob3"
    assert backpack["account"] == EARNER


async def test_wrong_discovery_kind_is_explained(harness: Harness) -> None:
    """A URL that publishes no manifest ends in BACKPACK_DISCOVERY_FAILED naming what to check."""
    url = harness.sandbox.issuer.base_url  # an issuer, not a backpack
    await harness.backpacks.add("nope", "badge-connect", url)
    with pytest.raises(BackpackError) as failed:
        await harness.backpacks.begin_connect("nope")
    assert failed.value.code is ErrorCode.BACKPACK_DISCOVERY_FAILED
    assert "badgekeeper backpack add" in failed.value.message


async def test_badgr_logs_in_with_a_password_and_refuses_a_wrong_one(harness: Harness) -> None:
    """Badgr's password grant connects; a wrong password is BACKPACK_AUTH_FAILED, not echoed."""
    url = harness.sandbox.backpack.base_url
    backpack = await harness.backpacks.add(
        "badgr", "badgr", url, username=EARNER, password=DEMO_PASSWORD
    )
    assert backpack["status"] == "connected" and backpack["account"] == EARNER
    await harness.backpacks.add("badgr2", "badgr", url)
    with pytest.raises(BackpackError) as failed:
        await harness.backpacks.login("badgr2", EARNER, "hunter2-wrong")
    assert failed.value.code is ErrorCode.BACKPACK_AUTH_FAILED
    assert "hunter2" not in failed.value.message


async def test_an_expired_access_token_is_refreshed(harness: Harness) -> None:
    """A 401 from the backpack is met by one refresh; the upload succeeds with the new token."""
    await harness.add_and_connect("sb")
    before = harness.backpacks.tokens.get("sb")
    harness.sandbox.backpack.store.expire_access_tokens()
    badge_id = await harness.save(harness.issue())
    await harness.backpacks.upload(badge_id, "sb")
    await harness.backpacks.drain()
    assert (await harness.upload_state(badge_id, "sb"))["state"] == "done"
    after = harness.backpacks.tokens.get("sb")
    assert before is not None and after is not None
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token  # the sandbox rotates refresh tokens


async def test_a_revoked_grant_asks_to_reconnect_and_loses_nothing(harness: Harness) -> None:
    """When refresh is refused too, uploads wait (queued) with one clear message; a new connect
    resumes them."""
    await harness.add_and_connect("sb")
    harness.sandbox.backpack.store.revoke_everything()
    ids = [await harness.save(harness.issue()) for _ in range(2)]
    for badge_id in ids:
        await harness.backpacks.upload(badge_id, "sb")
    report = await harness.backpacks.drain()
    assert report.blocked["sb"].code is ErrorCode.BACKPACK_RECONNECT
    states = [await harness.upload_state(badge_id, "sb") for badge_id in ids]
    assert {s["state"] for s in states} == {"queued"}
    assert "badgekeeper backpack connect sb" in (states[0]["last_error"] or "")
    assert (await harness.backpacks.list_backpacks())[0]["status"] == "reconnect"
    await harness.backpacks.drain()  # asking again does not repeat the message
    failures = harness.sink.named("upload.failed")
    assert len(failures) == 2 and all(f["final"] is False for f in failures)
    await harness.connect("sb")
    await harness.backpacks.drain()
    assert {(await harness.upload_state(i, "sb"))["state"] for i in ids} == {"done"}
    assert sum(harness.sandbox.backpack.store.created.values()) == 2


async def test_disconnect_revokes_the_tokens_at_the_backpack(harness: Harness) -> None:
    """disconnect revokes at the backpack (RFC 7009) and forgets the tokens here."""
    await harness.add_and_connect("sb")
    held = harness.backpacks.tokens.get("sb")
    assert held is not None and held.access_token
    assert harness.sandbox.backpack.store.grant_for(held.access_token) is not None
    result = await harness.backpacks.disconnect("sb")
    assert result["revoked"] is True and result["status"] == "not_connected"
    assert harness.sandbox.backpack.store.grant_for(held.access_token) is None
    assert harness.backpacks.tokens.get("sb") is None


async def test_remove_forgets_the_backpack_and_its_uploads(harness: Harness) -> None:
    """remove drops the backpack and every upload record to it."""
    await harness.add_and_connect("sb")
    badge_id = await harness.save(harness.issue())
    await harness.backpacks.upload(badge_id, "sb")
    removed = await harness.backpacks.remove("sb")
    assert removed["uploads_forgotten"] == 1
    assert await harness.library.uploads(badge_id) == []
    with pytest.raises(BackpackError) as gone:
        await harness.backpacks.get("sb")
    assert gone.value.code is ErrorCode.BACKPACK_NOT_FOUND
