"""collections.export and badge.share through the method table, on a real library on disk."""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agent.errors import BadgekeeperError, ErrorCode
from agent.library import Library, SourceInfo
from agent.paths import resolve_paths
from agent.rpc.methods import dispatch
from agent.rpc.protocol import INVALID_PARAMS, ProtocolError
from agent.rpc.services import AgentServices
from agent.server.services import open_services
from tests.library.factories import SVG, make_verdict, real_png
from tests.share.page_parser import read_page

EVIL = "<script>alert(1)</script>"


def save(library: Library, number: int, *, name: str, svg: bool = False) -> str:
    verdict = make_verdict(f"https://issuer.example/assertions/{number}", name=name)
    # Distinct bytes per badge, so each is its own file.
    if svg:
        image = SVG.replace(b'/svg"/>', f'/svg{number}"/>'.encode())
    else:
        image = real_png(color=f"#{number * 40 % 256:02x}1010")
    result = library.save(
        verdict=verdict,
        payload=json.dumps({"id": f"https://issuer.example/assertions/{number}"}),
        payload_kind="assertion-json",
        image=image,
        media_type="image/svg+xml" if svg else "image/png",
        source=SourceInfo(),
    )
    return result.badge.id


@pytest.fixture
def saved() -> dict[str, Any]:
    """A library with a collection of three badges (one named like a script, one SVG) and one
    badge outside it."""
    with Library() as library:
        first = save(library, 1, name=EVIL)
        second = save(library, 2, name="Lab Safety", svg=True)
        third = save(library, 3, name="Teamwork")
        outsider = save(library, 4, name="Not in it")
        collection = library.create_collection("Best of 2024")
        for badge_id in (third, first, second):
            library.add_to_collection(collection.id, badge_id)
    return {"collection": collection.id, "order": [third, first, second], "outsider": outsider}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder for exports (the test's home lives beside it)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
async def services() -> AsyncIterator[AgentServices]:
    async with open_services(resolve_paths()) as opened:
        yield opened


async def test_zip_holds_the_collection_in_order(
    services: AgentServices, saved: dict[str, Any], out: Path
) -> None:
    """The zip has the library export's shape, only this collection's badges, in its order."""
    target = out / "best.zip"
    result = await dispatch(
        services, "collections.export", {"id": saved["collection"], "path": str(target)}
    )
    assert result == {"path": str(target), "format": "zip", "count": 3}
    with zipfile.ZipFile(target) as archive:
        index = json.loads(archive.read("index.json"))
        assert [entry["id"] for entry in index] == saved["order"]
        for entry in index:
            assert entry["file"].startswith("badges/")
            assert archive.read(entry["file"])  # the baked image itself
        names = set(archive.namelist())
    assert names == {"index.json", *(entry["file"] for entry in index)}
    assert index[1]["name"] == EVIL
    assert [p.name for p in out.iterdir()] == ["best.zip"]  # no temporary file left


async def test_html_page_with_og_tags_and_escaping(
    services: AgentServices, saved: dict[str, Any], out: Path
) -> None:
    """index.html + images/: OG tags, the script-named badge escaped, the SVG inline."""
    folder = out / "site" / "badges"
    result = await dispatch(
        services,
        "collections.export",
        {
            "id": saved["collection"],
            "path": str(folder),
            "format": "html",
            "base_url": "https://me.example/badges",
        },
    )
    assert result["count"] == 3
    html = (folder / "index.html").read_text(encoding="utf-8")
    page = read_page(html)
    assert "script" not in page.tags
    assert page.text["h2"] == ["Teamwork", EVIL, "Lab Safety"]
    assert page.meta["og:title"] == "Best of 2024"
    assert page.meta["og:url"] == "https://me.example/badges/"
    assert page.meta["twitter:card"] == "summary_large_image"
    pngs = sorted(path.name for path in (folder / "images").iterdir())
    assert len(pngs) == 2 and all(name.endswith(".png") for name in pngs)
    preview = page.meta["og:image"].removeprefix("https://me.example/badges/")
    assert (folder / preview).is_file()
    sources = [image["src"] for image in page.images]
    assert sources[2].startswith("data:image/svg+xml;base64,")  # never an .svg file to open
    assert all((folder / src).is_file() for src in sources[:2])
    assert page.links == [f"https://issuer.example/assertions/{n}" for n in (3, 1, 2)]


async def test_an_earlier_page_is_replaced_but_other_folders_are_refused(
    services: AgentServices, saved: dict[str, Any], out: Path
) -> None:
    """Exporting again replaces our page; a folder with other files is left untouched."""
    folder = out / "page"
    params = {"id": saved["collection"], "path": str(folder), "format": "html"}
    await dispatch(services, "collections.export", params)
    (folder / "images" / "stale.png").write_bytes(b"old")
    await dispatch(services, "collections.export", params)
    assert not (folder / "images" / "stale.png").exists()
    assert sorted(p.name for p in out.iterdir()) == ["page"]

    other = out / "website"
    other.mkdir()
    (other / "index.html").write_text("<h1>my own site</h1>")
    for target in (other, out / "page" / "index.html"):
        with pytest.raises(BadgekeeperError) as raised:
            await dispatch(services, "collections.export", {**params, "path": str(target)})
        assert raised.value.code is ErrorCode.EXPORT_FOLDER_IN_USE
    assert (other / "index.html").read_text() == "<h1>my own site</h1>"
    assert sorted(p.name for p in out.iterdir()) == ["page", "website"]


async def test_an_empty_folder_is_used(
    services: AgentServices, saved: dict[str, Any], out: Path
) -> None:
    """An existing empty folder receives the page."""
    folder = out / "empty"
    folder.mkdir()
    params = {"id": saved["collection"], "path": str(folder), "format": "html"}
    assert (await dispatch(services, "collections.export", params))["count"] == 3
    assert (folder / "index.html").is_file()


async def test_unknown_collection_writes_nothing(
    services: AgentServices, saved: dict[str, Any], out: Path
) -> None:
    """COLLECTION_NOT_FOUND, and no file or folder is made."""
    for export_format, name in (("zip", "x.zip"), ("html", "x")):
        with pytest.raises(BadgekeeperError) as raised:
            await dispatch(
                services,
                "collections.export",
                {"id": 999, "path": str(out / name), "format": export_format},
            )
        assert raised.value.code is ErrorCode.COLLECTION_NOT_FOUND
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"path": "relative.zip"}, "path"),
        ({"path": "/tmp/x.txt"}, "path"),
        ({"path": "/tmp/x.zip", "base_url": "https://me.example/"}, "base_url"),
        ({"path": "/tmp/site", "format": "html", "base_url": "ftp://me.example/"}, "base_url"),
        ({"path": "/tmp/site", "format": "pdf"}, "format"),
    ],
)
async def test_export_parameters_are_checked(
    services: AgentServices, saved: dict[str, Any], params: dict[str, Any], param: str
) -> None:
    """Absolute paths only, .zip for a zip, base_url only for html and only http(s)."""
    with pytest.raises(ProtocolError) as raised:
        await dispatch(services, "collections.export", {"id": saved["collection"], **params})
    assert raised.value.rpc_code == INVALID_PARAMS
    assert raised.value.param == param


async def test_badge_share_method(services: AgentServices, saved: dict[str, Any]) -> None:
    """badge.share answers url, links and fields; with target, one link."""
    badge_id = saved["order"][0]
    everything = await dispatch(services, "badge.share", {"id": badge_id})
    assert everything["url"] == "https://issuer.example/assertions/3"
    assert set(everything["links"]) == {"linkedin", "linkedin-post", "x", "facebook", "email"}
    assert everything["fields"]["name"] == "Teamwork"
    one = await dispatch(services, "badge.share", {"id": badge_id[:6], "target": "x"})
    assert list(one["links"]) == ["x"]
    with pytest.raises(ProtocolError):
        await dispatch(services, "badge.share", {"id": badge_id, "target": "myspace"})
    with pytest.raises(BadgekeeperError) as raised:
        await dispatch(services, "badge.share", {"id": "ffffffffffff"})
    assert raised.value.code is ErrorCode.BADGE_NOT_FOUND


async def test_unwritable_targets_fail_cleanly(
    services: AgentServices, saved: dict[str, Any], out: Path
) -> None:
    """A missing folder, a folder named .zip, a file in the way: a coded error, nothing left."""
    (out / "taken.zip").mkdir()
    (out / "plain-file").write_text("mine")
    cases = [
        ("zip", out / "missing" / "x.zip", ErrorCode.LIBRARY_UNAVAILABLE),
        ("zip", out / "taken.zip", ErrorCode.INVALID_ARGUMENT),
        ("html", out / "plain-file" / "site", ErrorCode.LIBRARY_UNAVAILABLE),
    ]
    for export_format, target, code in cases:
        with pytest.raises(BadgekeeperError) as raised:
            await dispatch(
                services,
                "collections.export",
                {"id": saved["collection"], "path": str(target), "format": export_format},
            )
        assert raised.value.code is code
    assert sorted(p.name for p in out.iterdir()) == ["plain-file", "taken.zip"]
    assert list((out / "taken.zip").iterdir()) == []
