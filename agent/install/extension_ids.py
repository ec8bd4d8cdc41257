"""The extension's ids, derived from ``manifest.json`` and kept as package data.

Chrome derives an unpacked or self-hosted extension's id from the ``key`` in its manifest: the
first 32 hex digits of SHA-256 over the DER public key, each digit 0–f written as a–p. Firefox
uses ``browser_specific_settings.gecko.id``. An installed package (no checkout) has no
``manifest.json``, so the ids are generated into ``extension_ids.json`` beside this module and
committed; a test keeps the two in agreement. Regenerate with
``python -m agent.install.extension_ids [manifest.json]``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.errors import BadgekeeperError, ErrorCode

IDS_FILE = Path(__file__).with_name("extension_ids.json")
CHROME_ID = re.compile(r"[a-p]{32}\Z")
# Firefox add-on ids: an e-mail-like id or a GUID in braces.
GECKO_ID = re.compile(r"([A-Za-z0-9._+-]+@[A-Za-z0-9.-]+|\{[0-9A-Fa-f-]{36}\})\Z")


@dataclass(frozen=True)
class ExtensionIds:
    """Extension ids per browser family: Chromium-family ids and Firefox add-on ids."""

    chrome: tuple[str, ...]
    firefox: tuple[str, ...]

    def merged(self, other: ExtensionIds) -> ExtensionIds:
        return ExtensionIds(
            tuple(dict.fromkeys(self.chrome + other.chrome)),
            tuple(dict.fromkeys(self.firefox + other.firefox)),
        )

    def to_json(self) -> dict[str, list[str]]:
        return {"chrome": list(self.chrome), "firefox": list(self.firefox)}


def chrome_id_from_key(key: str) -> str:
    """The Chrome extension id a manifest ``key`` (base64 DER public key) gives."""
    try:
        der = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadgekeeperError(
            ErrorCode.INVALID_ARGUMENT, "The manifest's key is not base64."
        ) from exc
    digest = hashlib.sha256(der).hexdigest()[:32]
    return "".join(chr(ord("a") + int(digit, 16)) for digit in digest)


def ids_from_manifest(manifest: dict[str, Any]) -> ExtensionIds:
    """The ids the extension has in Chrome (from ``key``) and in Firefox (its gecko id)."""
    key = manifest.get("key")
    gecko = manifest.get("browser_specific_settings", {}).get("gecko", {}).get("id")
    if not isinstance(key, str) or not isinstance(gecko, str):
        raise BadgekeeperError(
            ErrorCode.INVALID_ARGUMENT,
            "manifest.json needs a 'key' and browser_specific_settings.gecko.id.",
        )
    return ExtensionIds((chrome_id_from_key(key),), (gecko,))


def ids_document(ids: ExtensionIds) -> dict[str, Any]:
    """The content of ``extension_ids.json`` (the host reads its ``allowed`` lists)."""
    return {
        "generated_from": "manifest.json",
        "allowed": ids.to_json(),
    }


def builtin_ids() -> ExtensionIds:
    """The ids built into this package."""
    try:
        allowed = json.loads(IDS_FILE.read_text(encoding="utf-8"))["allowed"]
        return ExtensionIds(tuple(allowed["chrome"]), tuple(allowed["firefox"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadgekeeperError(
            ErrorCode.INTERNAL_ERROR,
            f"{IDS_FILE} is missing or damaged; reinstall Badgekeeper.",
        ) from exc


def classify_extension_id(value: str) -> ExtensionIds:
    """An ``--extension-id`` value as a Chrome id or a Firefox add-on id."""
    if CHROME_ID.match(value):
        return ExtensionIds((value,), ())
    if GECKO_ID.match(value):
        return ExtensionIds((), (value,))
    raise BadgekeeperError(
        ErrorCode.INVALID_ARGUMENT,
        f"{value!r} is neither a Chrome extension id (32 letters a–p, as chrome://extensions "
        "shows it) nor a Firefox add-on id (name@domain or {GUID}).",
    )


def write_ids_file(manifest_path: Path, target: Path = IDS_FILE) -> ExtensionIds:
    """Generate ``extension_ids.json`` from ``manifest_path``."""
    ids = ids_from_manifest(json.loads(manifest_path.read_text(encoding="utf-8")))
    target.write_text(json.dumps(ids_document(ids), indent=2) + "\n", encoding="utf-8")
    return ids


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("manifest.json")
    written = write_ids_file(source)
    print(f"{IDS_FILE}: chrome {', '.join(written.chrome)}; firefox {', '.join(written.firefox)}")
