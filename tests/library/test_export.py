"""Exporting one badge, and the whole library as a zip with index.json."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from agent.errors import ErrorCode, LibraryError
from agent.library import Library
from tests.library.factories import SVG, fake_png, make_verdict, payload_for, source


def fill(library: Library) -> dict[str, str]:
    """Three badges: a PNG, an SVG, and one saved from its link (no image)."""
    ids = {}
    for kind, image, media_type in (
        ("png", fake_png("p"), "image/png"),
        ("svg", SVG, "image/svg+xml"),
        ("json", None, None),
    ):
        assertion_id = f"https://issuer.example/a/{kind}"
        ids[kind] = library.save(
            verdict=make_verdict(assertion_id, name=f"Émile's {kind.upper()} badge!"),
            payload=payload_for(assertion_id),
            payload_kind="assertion-json",
            image=image,
            media_type=media_type,
            source=source(),
        ).badge.id
    return ids


def test_export_badge_returns_the_saved_bytes(library: Library) -> None:
    """A baked badge exports as the image saved; one without image as its JSON payload."""
    ids = fill(library)
    name, data = library.export_badge(ids["png"])
    assert name == f"emile-s-png-badge-{ids['png']}.png"
    assert data == fake_png("p")
    name, data = library.export_badge(ids["json"])
    assert name.endswith(f"{ids['json']}.json")
    assert json.loads(data) == json.loads(payload_for("https://issuer.example/a/json"))


def test_export_library_writes_zip_with_index(library: Library, tmp_path: Path) -> None:
    """The zip holds every badge file and index.json with the list --json records."""
    ids = fill(library)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "export.zip"
    assert library.export_library(target) == 3
    with zipfile.ZipFile(target) as archive:
        index = json.loads(archive.read("index.json"))
        assert {entry["id"] for entry in index} == set(ids.values())
        for entry in index:
            assert archive.read(entry["file"]) == library.export_badge(entry["id"])[1]
            assert entry["issuer"]["name"] == "Example University"
    assert [p.name for p in out.iterdir()] == ["export.zip"]  # no temp file left


def test_export_library_replaces_atomically(library: Library, tmp_path: Path) -> None:
    """Exporting over an existing file replaces it whole."""
    fill(library)
    target = tmp_path / "export.zip"
    target.write_bytes(b"old")
    library.export_library(target)
    assert zipfile.is_zipfile(target)


def test_export_library_to_bad_places_is_an_error(library: Library, tmp_path: Path) -> None:
    """A folder or a missing folder as target is a coded error, with nothing left behind."""
    fill(library)
    with pytest.raises(LibraryError) as folder:
        library.export_library(tmp_path)
    assert folder.value.code is ErrorCode.INVALID_ARGUMENT
    with pytest.raises(LibraryError) as missing:
        library.export_library(tmp_path / "nowhere" / "x.zip")
    assert missing.value.code is ErrorCode.LIBRARY_UNAVAILABLE
    assert not (tmp_path / "nowhere").exists()


def test_export_empty_library(library: Library, tmp_path: Path) -> None:
    """An empty library exports a zip with an empty index."""
    target = tmp_path / "empty.zip"
    assert library.export_library(target) == 0
    with zipfile.ZipFile(target) as archive:
        assert json.loads(archive.read("index.json")) == []
