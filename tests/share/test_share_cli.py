"""``badgekeeper share`` and ``collections export`` as a user runs them, on badges saved from a
real issuer on loopback."""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from agent.library import Library
from agent.paths import resolve_paths
from agent.sandbox.demo_agent import running_agent
from agent.sandbox.issuer_app import IssuerServer, run_issuer
from tests.cli.conftest import host_of, run_cli, write_all
from tests.share.page_parser import read_page

EARNER = "earner@example.org"
TARGETS = {"linkedin", "linkedin-post", "x", "facebook", "email"}
EVIL = "<script>alert(1)</script>"


@pytest.fixture
async def issuer() -> AsyncIterator[IssuerServer]:
    """The sample issuer serving OB 2.0 and OB 3.0 documents on 127.0.0.1."""
    async with run_issuer() as server:
        yield server


async def save_badges(issuer: IssuerServer, tmp_path: Path) -> list[str]:
    """Save a hosted OB 2.0, an OB 3.0 and a signed OB 2.0 badge with the real CLI; their ids."""
    allow = host_of(issuer)
    assert (await run_cli("emails", "add", EARNER, allow=allow)).returncode == 0
    badges = [
        issuer.issuer.issue_ob2_hosted(EARNER),
        issuer.issuer.issue_ob3_data_integrity(EARNER),
        issuer.issuer.issue_ob2_signed(EARNER),
    ]
    files = write_all(tmp_path, [(f"b{n}.{b.extension}", b.image) for n, b in enumerate(badges)])
    saved = await run_cli("save", "--json", *files, allow=allow)
    assert saved.returncode == 0, saved.stderr
    lines = saved.json_lines()
    assert [line["badge"]["status"] for line in lines] == ["valid"] * 3
    return [line["badge"]["id"] for line in lines]


async def test_share_json_contract(issuer: IssuerServer, tmp_path: Path) -> None:
    """--json prints one object: url (the public address) and exactly one link per target."""
    hosted, credential, _ = await save_badges(issuer, tmp_path)
    listing = {b["id"]: b for b in json.loads((await run_cli("list", "--json")).stdout)}

    shared = await run_cli("share", hosted, "--json")
    assert shared.returncode == 0, shared.stderr
    (result,) = shared.json_lines()
    assert set(result) == {"url", *TARGETS}
    assert result["url"] == listing[hosted]["assertion_id"]
    assert result["url"].startswith(issuer.base_url + "/ob2/assertions/")
    linkedin = dict(parse_qsl(urlsplit(result["linkedin"]).query))
    assert linkedin["certUrl"] == result["url"]
    assert linkedin["name"] == "Teamwork"
    assert linkedin["organizationName"] == listing[hosted]["issuer"]["name"]
    assert linkedin["issueYear"] == listing[hosted]["issued_on"][:4]
    assert linkedin["issueMonth"] == str(int(listing[hosted]["issued_on"][5:7]))
    assert result["linkedin-post"].startswith(
        "https://www.linkedin.com/sharing/share-offsite/?url="
    )
    assert result["x"].startswith("https://twitter.com/intent/tweet?text=")
    assert result["facebook"].startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert result["email"].startswith("mailto:?subject=")
    for target in ("linkedin-post", "x", "facebook"):
        query = dict(parse_qsl(urlsplit(result[target]).query))
        assert result["url"] in query.values()

    only = await run_cli("share", credential[:8], "--to", "x", "--json")
    assert only.returncode == 0, only.stderr
    (result,) = only.json_lines()
    assert set(result) == {"url", "x"}
    assert result["url"] == listing[credential]["assertion_id"]  # the OB 3.0 credential's id


async def test_share_human_output(issuer: IssuerServer, tmp_path: Path) -> None:
    """Without --json: the address, a line per link, and the fields to copy into LinkedIn."""
    hosted, _, _ = await save_badges(issuer, tmp_path)
    shared = await run_cli("share", hosted)
    assert shared.returncode == 0, shared.stderr
    lines = shared.stdout.splitlines()
    assert lines[0].startswith(f"Public address  {issuer.base_url}/ob2/assertions/")
    for label in ("LinkedIn profile", "LinkedIn post", "X (Twitter)", "Facebook", "E-mail"):
        assert any(line.startswith(label) for line in lines)
    assert "If LinkedIn does not fill the form in, copy these into it:" in lines
    assert any(line.split() == ["Name", "Teamwork"] for line in lines)
    assert any(line.strip().startswith("Credential URL") for line in lines)


async def test_a_badge_with_no_public_address_says_upload_first(
    issuer: IssuerServer, tmp_path: Path
) -> None:
    """A signed OB 2.0 badge (urn:uuid id) cannot be shared yet: exit 1, NO_PUBLIC_URL."""
    _, _, signed = await save_badges(issuer, tmp_path)
    for extra in ((), ("--json",)):
        shared = await run_cli("share", signed, *extra)
        assert shared.returncode == 1
        assert shared.stdout == ""
        assert "[NO_PUBLIC_URL]" in shared.stderr
        assert "upload it to a backpack first (badgekeeper upload ID)" in shared.stderr

    # Once a backpack has it, its page there is what is shared.
    page = "https://backpack.example/public/assertions/xyz"
    with Library() as library:
        library.set_upload_state(signed, "sandbox", "done", "xyz", public_url=page)
    shared = await run_cli("share", signed, "--json")
    assert shared.returncode == 0, shared.stderr
    (result,) = shared.json_lines()
    assert result["url"] == page
    assert dict(parse_qsl(urlsplit(result["facebook"]).query)) == {"u": page}


async def test_share_of_an_unknown_badge_fails_clearly(tmp_path: Path) -> None:
    """An id that names no badge: exit 1 and BADGE_NOT_FOUND."""
    shared = await run_cli("share", "abcdef012345", "--json")
    assert shared.returncode == 1
    assert "[BADGE_NOT_FOUND]" in shared.stderr


async def test_collection_export_zip_and_page(issuer: IssuerServer, tmp_path: Path) -> None:
    """collections export writes the zip and the page; the collection's name is escaped."""
    ids = await save_badges(issuer, tmp_path)
    created = await run_cli("collections", "create", EVIL, "--json")
    collection = json.loads(created.stdout)["collection"]["id"]
    for badge_id in ids:
        assert (await run_cli("collections", "add", str(collection), badge_id)).returncode == 0
    zip_path, site = tmp_path / "out" / "mine.zip", tmp_path / "site"
    zip_path.parent.mkdir()
    exported = await run_cli(
        "collections",
        "export",
        str(collection),
        "--zip",
        str(zip_path),
        "--html",
        str(site),
        "--base-url",
        "https://earner.example/badges/",
        "--json",
    )
    assert exported.returncode == 0, exported.stderr
    assert [(r["format"], r["count"]) for r in exported.json_lines()] == [("zip", 3), ("html", 3)]
    with zipfile.ZipFile(zip_path) as archive:
        index = json.loads(archive.read("index.json"))
    assert [entry["id"] for entry in index] == ids
    page = read_page((site / "index.html").read_text(encoding="utf-8"))
    assert "script" not in page.tags
    assert page.text["h1"] == [EVIL]
    assert page.meta["og:title"] == EVIL
    assert page.meta["og:url"] == "https://earner.example/badges/"
    assert page.meta["og:image"].startswith("https://earner.example/badges/images/")
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.text["h2"] == ["Teamwork", "Lab Safety", "Python Foundations"]
    # The signed badge has no public address: listed, but without a link.
    assert len(page.links) == 2

    default = await run_cli("collections", "export", str(collection), "--base-url", "https://x/")
    assert default.returncode == 2
    assert "--html" in default.stderr


async def test_share_and_export_through_a_running_agent(
    issuer: IssuerServer, tmp_path: Path
) -> None:
    """The same commands answer through the agent's socket when an agent runs."""
    ids = await save_badges(issuer, tmp_path)
    async with running_agent(resolve_paths(), host_of(issuer)) as client:
        methods = (await client.call("agent.hello"))["methods"]
        assert {"badge.share", "collections.export"} <= set(methods)
        shared = await run_cli("share", ids[0], "--to", "linkedin", "--json")
        assert shared.returncode == 0, shared.stderr
        assert set(shared.json_lines()[0]) == {"url", "linkedin"}
        assert (await run_cli("collections", "create", "Mine")).returncode == 0
        assert (await run_cli("collections", "add", "1", ids[1])).returncode == 0
        target = tmp_path / "mine.zip"
        exported = await run_cli("collections", "export", "1", "--zip", str(target))
        assert exported.returncode == 0, exported.stderr
        assert exported.stdout.strip() == f"Wrote the zip of 1 badge to {target}"
