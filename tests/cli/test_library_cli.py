"""The library commands as a user runs them, with and without a running agent."""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.bakery import unbake
from agent.library import Library
from agent.paths import resolve_paths
from agent.sandbox.demo_agent import running_agent
from agent.sandbox.issuer_app import IssuerServer
from tests.cli.conftest import host_of, run_cli, write_all

EARNER = "earner@example.org"


@pytest.fixture(params=["local", "agent"])
async def mode(request: pytest.FixtureRequest, issuer: IssuerServer) -> AsyncIterator[str]:
    """Each test runs once on the library directly and once through a running agent."""
    if request.param == "local":
        yield "local"
        return
    async with running_agent(resolve_paths(), host_of(issuer)):
        yield "agent"


async def test_save_list_show_delete(mode: str, issuer: IssuerServer, tmp_path: Path) -> None:
    """save → list --json (DESIGN's fields) → show → delete, all with exit 0."""
    allow = host_of(issuer)
    assert (await run_cli("emails", "add", EARNER, allow=allow)).returncode == 0
    badges = [issuer.issuer.issue_ob2_hosted(EARNER), issuer.issuer.issue_ob3_jwt(EARNER)]
    files = write_all(tmp_path, [(f"b{n}.png", b.image) for n, b in enumerate(badges)])
    saved = await run_cli("save", "--json", "--subject", "Your badge", *files, allow=allow)
    assert saved.returncode == 0, saved.stderr
    assert [line["badge"]["status"] for line in saved.json_lines()] == ["valid", "valid"]

    listing = await run_cli("list", "--json", allow=allow)
    items = json.loads(listing.stdout)
    assert len(items) == 2
    for item in items:
        for key in (
            "id",
            "assertion_id",
            "status",
            "name",
            "issuer",
            "sha256",
            "saved_at",
            "source",
            "uploads",
        ):
            assert key in item
        assert item["source"]["mail_subject"] == "Your badge"
    assert {item["assertion_id"] for item in items} == {b.assertion_id for b in badges}

    first = items[0]["id"]
    shown = await run_cli("show", first[:6], allow=allow)
    assert shown.returncode == 0 and first in shown.stdout and "✓ valid" in shown.stdout
    assert "could not reach" not in shown.stdout
    with Library() as library:  # what a sync run that could not reach the issuer leaves
        note = {"at": "2026-11-20T08:00:00Z", "code": "HTTP_ERROR", "message": "it answered 503"}
        library.set_check_notes([(first, note, None)])
    shown = await run_cli("show", first, allow=allow)
    assert "Sync       last checked 2026-11-20T08:00:00Z: could not reach" in shown.stdout
    assert (await run_cli("delete", first, allow=allow)).returncode == 0
    assert len(json.loads((await run_cli("list", "--json")).stdout)) == 1
    missing = await run_cli("show", first)
    assert missing.returncode == 1 and "BADGE_NOT_FOUND" in missing.stderr


async def test_save_twice_keeps_one(mode: str, issuer: IssuerServer, tmp_path: Path) -> None:
    """Saving the same image twice says 'Already saved' and keeps one badge."""
    badge = issuer.issuer.issue_ob2_signed(EARNER)
    (path,) = write_all(tmp_path, [("b.png", badge.image)])
    first = await run_cli("save", path, allow=host_of(issuer))
    second = await run_cli("save", path, allow=host_of(issuer))
    assert first.stdout.startswith("Saved ") and second.stdout.startswith("Already saved ")
    assert len(json.loads((await run_cli("list", "--json")).stdout)) == 1


async def test_save_non_badge_fails(mode: str, tmp_path: Path) -> None:
    """A file without badge data is refused with its code and exit 1; nothing is stored."""
    (path,) = write_all(tmp_path, [("plain.txt", b"hello")])
    result = await run_cli("save", path)
    assert result.returncode == 1 and "PAYLOAD_MALFORMED" in result.stderr
    assert json.loads((await run_cli("list", "--json")).stdout) == []


async def test_export_and_collections(mode: str, issuer: IssuerServer, tmp_path: Path) -> None:
    """Export one baked image and the whole library; group badges into a collection."""
    badge = issuer.issuer.issue_ob2_hosted(EARNER)
    (path,) = write_all(tmp_path, [("b.png", badge.image)])
    await run_cli("save", path, allow=host_of(issuer))
    (item,) = json.loads((await run_cli("list", "--json")).stdout)
    out = tmp_path / "out"
    out.mkdir()
    one = await run_cli("export", item["id"], "-o", str(out), "--json")
    exported = Path(json.loads(one.stdout)["path"])
    found = unbake(exported.read_bytes())
    assert found is not None and badge.assertion_id in found.payload
    whole = await run_cli("export", "-o", str(out / "all.zip"), "--json")
    assert json.loads(whole.stdout)["count"] == 1
    with zipfile.ZipFile(out / "all.zip") as archive:
        assert "index.json" in archive.namelist()

    created = json.loads((await run_cli("collections", "create", "Work", "--json")).stdout)
    collection_id = str(created["collection"]["id"])
    assert (await run_cli("collections", "add", collection_id, item["id"])).returncode == 0
    listed = await run_cli("list", "--collection", collection_id, "--json")
    assert [b["id"] for b in json.loads(listed.stdout)] == [item["id"]]


async def test_emails_validate(mode: str) -> None:
    """Adding a malformed address is refused; a good one is listed."""
    assert (await run_cli("emails", "add", "not-an-address")).returncode == 1
    assert (await run_cli("emails", "add", "Me@Example.org")).returncode == 0
    listed = await run_cli("emails", "list", "--json")
    assert json.loads(listed.stdout)["emails"] == ["Me@Example.org"]
