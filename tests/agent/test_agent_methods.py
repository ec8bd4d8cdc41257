"""The agent's methods over its real socket: one real `badgekeeper serve` for the module."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image

from agent.client import AgentClient, connect_or_local
from agent.errors import BadgekeeperError, ErrorCode
from agent.rpc.events import EVENTS
from agent.rpc.methods import TABLE
from agent.rpc.protocol import PROTOCOL_VERSION, ProtocolError
from agent.sandbox.issuer_app import IssuerServer
from tests.agent.conftest import EARNER, AgentProcess
from tests.agent.support import b64, next_event, save, stored_file_sha256

pytestmark = pytest.mark.timeout(60)


def plain_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def client(agent_process: AgentProcess) -> AsyncIterator[AgentClient]:
    """A client of the module's agent, with the earner's address in the settings."""
    async with await agent_process.client() as opened:
        await opened.call("emails.add", {"address": EARNER})
        yield opened


async def test_hello_names_versions_methods_and_home(
    client: AgentClient, agent_process: AgentProcess
) -> None:
    """agent.hello reports protocol 1, every method and event, the home and the agent's pid."""
    hello = await client.call("agent.hello", {"client": "tests"})
    assert hello["protocol"] == PROTOCOL_VERSION == 1
    assert hello["methods"] == sorted(TABLE)
    assert hello["events"] == list(EVENTS)
    assert hello["home"] == str(agent_process.paths.data)
    assert hello["pid"] == agent_process.process.pid


async def test_with_an_agent_running_calls_go_to_it(agent_process: AgentProcess) -> None:
    """connect_or_local reaches the running agent rather than opening the library itself."""
    async with connect_or_local(agent_process.paths) as caller:
        assert isinstance(caller, AgentClient)
        assert (await caller.call("agent.hello"))["pid"] == agent_process.process.pid


async def test_saved_badge_is_listed_verified_and_on_disk(
    client: AgentClient, agent_process: AgentProcess, issuer: IssuerServer
) -> None:
    """badge.save stores the image (hash intact), verifies it, and badge.list shows it."""
    issued = issuer.issuer.issue_ob2_hosted(EARNER)
    saved = await save(client, issued, page_url="https://mail.example/inbox/1")
    badge = saved["badge"]
    assert saved["created"] is True
    assert saved["verdict"]["status"] == "valid"
    assert badge["status"] == "valid"
    assert badge["assertion_id"] == issued.assertion_id
    assert badge["source"]["page_url"] == "https://mail.example/inbox/1"
    assert stored_file_sha256(agent_process.paths, badge) == badge["sha256"]
    page = await client.call("badge.list", {"limit": 200})
    assert badge["id"] in {item["id"] for item in page["items"]}


async def test_saving_the_same_badge_twice_keeps_one_badge_with_two_sources(
    client: AgentClient, issuer: IssuerServer
) -> None:
    """A second save of the same badge adds a source instead of a second badge."""
    issued = issuer.issuer.issue_ob3_jwt(EARNER)
    first = await save(client, issued, mail_subject="Your badge")
    second = await save(client, issued, mail_subject="Your badge, again")
    assert first["created"] is True and second["created"] is False
    assert first["badge"]["id"] == second["badge"]["id"]
    details = await client.call("badge.get", {"id": first["badge"]["id"]})
    assert [source["mail_subject"] for source in details["sources"]] == [
        "Your badge, again",
        "Your badge",
    ]
    matching = await client.call("badge.list", {"limit": 200})
    assert [item["id"] for item in matching["items"]].count(first["badge"]["id"]) == 1


async def test_save_by_url_of_a_hosted_assertion(client: AgentClient, issuer: IssuerServer) -> None:
    """badge.save with a url fetches, verifies and stores the hosted badge."""
    issued = issuer.issuer.issue_ob2_hosted(EARNER, "python")
    saved = await client.call("badge.save", {"url": issued.assertion_id})
    assert saved["badge"]["assertion_id"] == issued.assertion_id
    assert saved["verdict"]["status"] == "valid"


async def test_a_second_client_receives_the_events(
    client: AgentClient, agent_process: AgentProcess, issuer: IssuerServer
) -> None:
    """Saves, deletes, settings and collection changes are pushed to every other client."""
    async with await agent_process.client() as watcher:
        stream = watcher.events()
        saved = await save(client, issuer.issuer.issue_ob2_hosted(EARNER, "python"))
        event = await next_event(stream, "badge.saved")
        assert event["badge"]["id"] == saved["badge"]["id"]
        assert event["created"] is True
        await client.call("settings.set", {"preferences": {"auto_upload": True}})
        assert (await next_event(stream, "settings.changed"))["preferences"]["auto_upload"]
        created = await client.call("collections.create", {"name": "Events test"})
        changed = await next_event(stream, "collections.changed")
        assert changed["action"] == "created"
        assert changed["id"] == created["collection"]["id"]
        await client.call("badge.delete", {"id": saved["badge"]["id"]})
        assert (await next_event(stream, "badge.deleted"))["id"] == saved["badge"]["id"]
        stream.close()


async def test_list_pages_and_filters(client: AgentClient, issuer: IssuerServer) -> None:
    """Pages never overlap and add up to the total; status and text filters hold."""
    revoked = await save(client, issuer.issuer.issue_ob2_hosted(EARNER, revocation="flag"))
    assert revoked["badge"]["status"] == "revoked"
    for _ in range(3):
        await save(client, issuer.issuer.issue_ob2_hosted(EARNER))
    total = (await client.call("badge.list", {"limit": 1}))["total"]
    seen: list[str] = []
    for offset in range(0, total, 2):
        page = await client.call("badge.list", {"limit": 2, "offset": offset})
        assert page["total"] == total
        seen += [item["id"] for item in page["items"]]
    assert len(seen) == len(set(seen)) == total
    only_revoked = await client.call("badge.list", {"status": "revoked", "limit": 200})
    assert revoked["badge"]["id"] in {item["id"] for item in only_revoked["items"]}
    assert {item["status"] for item in only_revoked["items"]} == {"revoked"}
    several = await client.call("badge.list", {"status": ["revoked", "valid"], "limit": 200})
    assert several["total"] >= only_revoked["total"] + 3
    found = await client.call("badge.list", {"text": revoked["badge"]["name"], "limit": 200})
    assert revoked["badge"]["id"] in {item["id"] for item in found["items"]}
    nothing = await client.call("badge.list", {"text": "zzzznomatchzzzz"})
    assert nothing == {"items": [], "total": 0, "next_cursor": None}
    by_name = await client.call("badge.list", {"sort": "name", "descending": False, "limit": 200})
    names = [item["name"] or "" for item in by_name["items"]]
    assert names == sorted(names, key=str.casefold)


async def test_get_verify_and_delete(
    client: AgentClient, agent_process: AgentProcess, issuer: IssuerServer
) -> None:
    """badge.verify records the new verdict (refreshing the newest when nothing changed);
    badge.delete removes the badge and its file."""
    saved = await save(client, issuer.issuer.issue_ob2_hosted(EARNER, "python", svg=True))
    badge_id = saved["badge"]["id"]
    verified = await client.call("badge.verify", {"id": badge_id[:8]})
    assert verified["created"] is False
    assert verified["badge"]["id"] == badge_id
    details = await client.call("badge.get", {"id": badge_id})
    assert [entry["status"] for entry in details["verifications"]] == ["valid"]
    assert details["verifications"][0]["checked_at"] > saved["badge"]["checked_at"]
    assert details["uploads"] == []
    deleted = await client.call("badge.delete", {"id": badge_id})
    assert deleted["badge"]["id"] == badge_id
    with pytest.raises(BadgekeeperError) as raised:
        await client.call("badge.get", {"id": badge_id})
    assert raised.value.code is ErrorCode.BADGE_NOT_FOUND
    with pytest.raises(FileNotFoundError):
        stored_file_sha256(agent_process.paths, saved["badge"])


async def test_thumbnails_and_export(client: AgentClient, issuer: IssuerServer) -> None:
    """A PNG badge gets a small PNG thumbnail, an SVG badge itself; export returns the file."""
    png = issuer.issuer.issue_ob2_hosted(EARNER)
    png_id = (await save(client, png))["badge"]["id"]
    thumb = await client.call("badge.thumbnail", {"id": png_id, "size": 32})
    assert thumb["media_type"] == "image/png"
    with Image.open(io.BytesIO(base64.b64decode(thumb["data"]))) as image:
        assert max(image.size) <= 32
    svg = issuer.issuer.issue_ob2_hosted(EARNER, svg=True)
    svg_id = (await save(client, svg))["badge"]["id"]
    inline = await client.call("badge.thumbnail", {"id": svg_id})
    assert inline == {"media_type": "image/svg+xml", "data": b64(svg.image)}
    exported = await client.call("badge.export", {"id": png_id})
    assert exported["media_type"] == "image/png"
    assert exported["filename"].endswith(f"{png_id}.png")
    assert base64.b64decode(exported["data"]) == png.image


async def test_inspect_tells_badges_from_other_images(
    client: AgentClient, issuer: IssuerServer
) -> None:
    """badge.inspect finds the payload of a baked image and explains why a file is no badge."""
    found = await client.call(
        "badge.inspect", {"data": b64(issuer.issuer.issue_ob3_jwt(EARNER).image)}
    )
    assert found["badge"] is True and found["error"] is None
    none = await client.call("badge.inspect", {"data": b64(plain_png())})
    assert none["badge"] is False
    assert none["error"]["code"] == ErrorCode.NO_BADGE_DATA.name


async def test_saving_an_image_without_badge_data_is_an_error(client: AgentClient) -> None:
    """badge.save of a plain PNG answers NO_BADGE_DATA (1000) with its name."""
    with pytest.raises(BadgekeeperError) as raised:
        await client.call("badge.save", {"data": b64(plain_png())})
    assert raised.value.code is ErrorCode.NO_BADGE_DATA


async def test_preferences_round_trip_and_refuse_wrong_values(client: AgentClient) -> None:
    """settings.set stores known preferences with their types; anything else is -32602."""
    result = await client.call(
        "settings.set",
        {"preferences": {"sync_interval_minutes": 15, "inline_button_sites": ["gmail"]}},
    )
    assert result["preferences"]["sync_interval_minutes"] == 15
    assert result["preferences"]["inline_button_sites"] == ["gmail"]
    assert (await client.call("settings.get"))["preferences"] == result["preferences"]
    assert EARNER in result["emails"]
    wrong: list[dict[str, Any]] = [
        {"sync_interval_minutes": 2},
        {"sync_interval_minutes": "15"},
        {"auto_upload": 1},
        {"inline_button_sites": ["yahoo"]},
        {"inline_button_sites": ["gmail", "gmail"]},
        {"theme": "dark"},
    ]
    for preferences in wrong:
        with pytest.raises(ProtocolError) as raised:
            await client.call("settings.set", {"preferences": preferences})
        assert raised.value.rpc_code == -32602
    reset = await client.call("settings.set", {"preferences": {"sync_interval_minutes": None}})
    assert reset["preferences"]["sync_interval_minutes"] == 60
    assert reset["preferences"]["inline_button_sites"] == ["gmail"]


async def test_addresses_are_validated_added_and_removed(client: AgentClient) -> None:
    """emails.add refuses what is not an address; emails.remove ignores case."""
    for bad in ("no-at-sign", "two words@example.org", "name@localhost", "@example.org", "a@b."):
        with pytest.raises(BadgekeeperError) as raised:
            await client.call("emails.add", {"address": bad})
        assert raised.value.code is ErrorCode.INVALID_ARGUMENT
    added = await client.call("emails.add", {"address": " Second@Example.ORG "})
    assert "Second@Example.ORG" in added["emails"]
    assert (await client.call("emails.list"))["emails"] == added["emails"]
    removed = await client.call("emails.remove", {"address": "second@example.org"})
    assert "Second@Example.ORG" not in removed["emails"]
    assert EARNER in removed["emails"]


async def test_collections_lifecycle(client: AgentClient, issuer: IssuerServer) -> None:
    """Collections are created, renamed, filled, reordered, emptied and deleted."""
    badge_id = (await save(client, issuer.issuer.issue_ob2_hosted(EARNER)))["badge"]["id"]
    first = (await client.call("collections.create", {"name": "Work"}))["collection"]
    second = (await client.call("collections.create", {"name": "Hobbies"}))["collection"]
    with pytest.raises(BadgekeeperError) as raised:
        await client.call("collections.create", {"name": "work"})
    assert raised.value.code is ErrorCode.INVALID_ARGUMENT
    renamed = await client.call("collections.rename", {"id": first["id"], "name": "Career"})
    assert renamed["collection"]["name"] == "Career"
    filled = await client.call("collections.add", {"id": first["id"], "badge_id": badge_id})
    assert filled["collection"]["badges"] == [badge_id]
    listed = await client.call("badge.list", {"collection": first["id"]})
    assert [item["id"] for item in listed["items"]] == [badge_id]
    moved = await client.call("collections.move", {"id": second["id"], "position": 0})
    ours = [c["id"] for c in moved["collections"] if c["id"] in {first["id"], second["id"]}]
    assert ours == [second["id"], first["id"]]
    emptied = await client.call("collections.remove", {"id": first["id"], "badge_id": badge_id})
    assert emptied["collection"]["badges"] == []
    after = await client.call("collections.delete", {"id": second["id"]})
    assert second["id"] not in {c["id"] for c in after["collections"]}
    with pytest.raises(BadgekeeperError) as raised:
        await client.call("collections.rename", {"id": second["id"], "name": "Gone"})
    assert raised.value.code is ErrorCode.COLLECTION_NOT_FOUND


async def test_library_export_writes_a_zip_only_at_an_absolute_zip_path(
    client: AgentClient, tmp_path: Any
) -> None:
    """library.export writes a zip of every badge; relative or non-.zip paths are refused."""
    target = tmp_path / "badges.zip"
    result = await client.call("library.export", {"path": str(target)})
    assert result["path"] == str(target)
    assert result["count"] >= 1
    assert target.read_bytes()[:2] == b"PK"
    for refused in ("badges.zip", str(tmp_path / ".bashrc")):
        with pytest.raises(ProtocolError) as raised:
            await client.call("library.export", {"path": refused})
        assert raised.value.rpc_code == -32602


async def test_concurrent_calls_on_one_connection_are_matched_by_id(
    client: AgentClient, issuer: IssuerServer
) -> None:
    """Many calls in flight on one connection each get their own reply."""
    saved = await save(client, issuer.issuer.issue_ob2_hosted(EARNER))
    badge_id = saved["badge"]["id"]
    calls = [client.call("badge.get", {"id": badge_id}) for _ in range(40)]
    calls += [client.call("badge.list", {"limit": n}) for n in range(1, 41)]
    results = await asyncio.gather(*calls)
    assert all(result["badge"]["id"] == badge_id for result in results[:40])
    assert all(len(result["items"]) <= n for n, result in enumerate(results[40:], 1))
