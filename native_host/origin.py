"""Who started the host, and whether it was installed for them.

Rules:
- Chrome, Chromium, Edge, Brave and Vivaldi start the host as ``host chrome-extension://ID/``
  (on Windows followed by ``--parent-window=N``); Firefox as ``host /path/manifest.json ADDON_ID``.
  Anything else is no extension at all and is refused.
- An extension is let through only when its id is among the ids the host was installed for:
  the ``allowed`` lists of the config that ``badgekeeper install`` wrote beside the launcher
  (named by ``BADGEKEEPER_HOST_CONFIG``), or, with no config, the ids built into the package.
- Pure: the caller reads the config file and passes its text.
"""

from __future__ import annotations

import json
import re

CHROME_ORIGIN = re.compile(r"chrome-extension://([a-p]{32})/\Z")
PARENT_WINDOW = re.compile(r"--parent-window=\d+\Z")
MAX_ADDON_ID_CHARS = 255
CHROME = "chrome"
FIREFOX = "firefox"


class Caller:
    """The extension that started the host: its browser family and id."""

    __slots__ = ("extension_id", "family")

    def __init__(self, family: str, extension_id: str) -> None:
        self.family = family
        self.extension_id = extension_id

    def describe(self) -> str:
        if self.family == CHROME:
            return f"chrome-extension://{self.extension_id}/"
        return f"the Firefox add-on {self.extension_id}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Caller) and (self.family, self.extension_id) == (
            other.family,
            other.extension_id,
        )

    def __hash__(self) -> int:
        return hash((self.family, self.extension_id))

    def __repr__(self) -> str:
        return f"Caller({self.family!r}, {self.extension_id!r})"


class AllowedIds:
    """The extension ids the host serves, per browser family."""

    __slots__ = ("chrome", "firefox")

    def __init__(self, chrome: frozenset[str], firefox: frozenset[str]) -> None:
        self.chrome = chrome
        self.firefox = firefox

    def allows(self, caller: Caller) -> bool:
        ids = self.chrome if caller.family == CHROME else self.firefox
        return caller.extension_id in ids


NOBODY = AllowedIds(frozenset(), frozenset())


def identify_caller(arguments: list[str]) -> Caller | None:
    """The extension named by the host's command-line arguments, or None for anything else."""
    if arguments and (match := CHROME_ORIGIN.match(arguments[0])):
        rest = arguments[1:]
        if not rest or (len(rest) == 1 and PARENT_WINDOW.match(rest[0])):
            return Caller(CHROME, match.group(1))
        return None
    if len(arguments) == 2 and arguments[0].endswith(".json"):
        addon = arguments[1]
        if 0 < len(addon) <= MAX_ADDON_ID_CHARS and addon.isprintable() and " " not in addon:
            return Caller(FIREFOX, addon)
    return None


def parse_allowed(text: str) -> AllowedIds:
    """The ``allowed`` lists of an install config or of the built-in ids file.

    Raises ``ValueError`` when the text is not such a file.
    """
    document = json.loads(text)
    allowed = document.get("allowed") if isinstance(document, dict) else None
    if not isinstance(allowed, dict):
        raise ValueError("no 'allowed' object")
    return AllowedIds(_ids(allowed.get(CHROME)), _ids(allowed.get(FIREFOX)))


def _ids(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("an id list is a list of strings")
    return frozenset(value)


def refusal_message(caller: Caller | None) -> str:
    """Why ``caller`` is refused, and what to do about it."""
    if caller is None:
        return (
            "Badgekeeper's native host serves browser extensions only, and was not started by "
            "one. Browsers start it through the Badgekeeper extension."
        )
    if caller.family == CHROME:
        fix = f"badgekeeper install --extension-id {caller.extension_id}"
    else:
        fix = f"badgekeeper install --browser firefox --extension-id {caller.extension_id}"
    return (
        f"Badgekeeper's native host was not installed for {caller.describe()}. If you trust "
        f"this extension, run `{fix}`; otherwise use the Badgekeeper extension."
    )
