"""The extension's ids: derived from manifest.json's key, kept as package data, and told apart
when given on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.errors import BadgekeeperError
from agent.install.extension_ids import (
    ExtensionIds,
    builtin_ids,
    chrome_id_from_key,
    classify_extension_id,
    ids_from_manifest,
    write_ids_file,
)

ROOT = Path(__file__).resolve().parents[2]


def test_committed_ids_match_manifest_json(tmp_path: Path) -> None:
    """Regenerating extension_ids.json from manifest.json gives the committed file exactly."""
    regenerated = tmp_path / "extension_ids.json"
    write_ids_file(ROOT / "manifest.json", regenerated)
    committed = ROOT / "agent" / "install" / "extension_ids.json"
    assert json.loads(regenerated.read_text()) == json.loads(committed.read_text())
    manifest = json.loads((ROOT / "manifest.json").read_text())
    assert ids_from_manifest(manifest) == builtin_ids()


def test_chrome_id_is_sha256_of_the_key_in_letters_a_to_p() -> None:
    """The id is the first 32 hex digits of SHA-256(DER key), 0-f written a-p."""
    key = json.loads((ROOT / "manifest.json").read_text())["key"]
    assert chrome_id_from_key(key) == "gjclphckdhebdmajhgpofchhgaogdaed"
    with pytest.raises(BadgekeeperError, match="not base64"):
        chrome_id_from_key("not base64!")


def test_classify_extension_id() -> None:
    """Store ids go to Chrome, name@domain and {GUID} to Firefox, anything else is refused."""
    assert classify_extension_id("a" * 32) == ExtensionIds(("a" * 32,), ())
    assert classify_extension_id("x@y.org") == ExtensionIds((), ("x@y.org",))
    guid = "{12345678-1234-1234-1234-123456789abc}"
    assert classify_extension_id(guid) == ExtensionIds((), (guid,))
    for bad in ("q" * 32, "a" * 31, "", "chrome-extension://x/", "{not-a-guid}"):
        with pytest.raises(BadgekeeperError):
            classify_extension_id(bad)
