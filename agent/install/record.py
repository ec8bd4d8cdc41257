"""The install record: what ``install`` wrote, so ``uninstall`` takes back exactly that.

It lives beside the launcher as ``install.json`` and doubles as the host's configuration: the
launcher names it in ``BADGEKEEPER_HOST_CONFIG`` and the host reads its ``allowed`` lists (the
union of the ids of every registration) to check who started it.

Format 1::

    {"format": 1, "launcher": PATH, "python": PATH, "home": DIR | null,
     "allowed": {"chrome": [ID…], "firefox": [ADDON…]},
     "registrations": [{"browser", "scope", "variant", "target", "manifest", "extras",
                        "extension_ids": {"chrome", "firefox"}}],
     "created_dirs": [DIR…]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from agent.errors import BadgekeeperError, ErrorCode
from agent.install.detect import Variant
from agent.install.extension_ids import ExtensionIds

FORMAT = 1
Scope = Literal["user", "system", "user-data-dir"]


@dataclass(frozen=True)
class Registration:
    """One place a browser looks for the host, and what was written for it.

    ``target`` is the manifest file, or on Windows the registry key (``HKCU\\…``) whose default
    value is ``manifest``. ``extras`` are other files written only for it (a Flatpak launcher).
    """

    browser: str
    scope: Scope
    variant: Variant
    target: str
    manifest: str
    ids: ExtensionIds
    extras: tuple[str, ...] = ()

    @property
    def is_registry(self) -> bool:
        return self.target.startswith(("HKCU\\", "HKLM\\"))

    def to_json(self) -> dict[str, Any]:
        return {
            "browser": self.browser,
            "scope": self.scope,
            "variant": self.variant,
            "target": self.target,
            "manifest": self.manifest,
            "extras": list(self.extras),
            "extension_ids": self.ids.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Registration:
        ids = data["extension_ids"]
        return cls(
            browser=str(data["browser"]),
            scope=data["scope"],
            variant=data["variant"],
            target=str(data["target"]),
            manifest=str(data["manifest"]),
            ids=ExtensionIds(tuple(ids["chrome"]), tuple(ids["firefox"])),
            extras=tuple(str(item) for item in data.get("extras", ())),
        )


@dataclass(frozen=True)
class InstallRecord:
    """Everything one host folder's install wrote."""

    launcher: str
    python: str
    home: str | None
    registrations: tuple[Registration, ...] = ()
    created_dirs: tuple[str, ...] = field(default=())

    @property
    def allowed(self) -> ExtensionIds:
        allowed = ExtensionIds((), ())
        for registration in self.registrations:
            allowed = allowed.merged(registration.ids)
        return allowed

    def with_registrations(self, registrations: tuple[Registration, ...]) -> InstallRecord:
        return replace(self, registrations=registrations)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "launcher": self.launcher,
            "python": self.python,
            "home": self.home,
            "allowed": self.allowed.to_json(),
            "registrations": [registration.to_json() for registration in self.registrations],
            "created_dirs": list(self.created_dirs),
        }

    def text(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"


def read_record(path: Path) -> InstallRecord | None:
    """The record at ``path``; None when there is none; an error when it is damaged."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BadgekeeperError(
            ErrorCode.SOURCE_UNREADABLE,
            f"The install record {path} cannot be read ({exc.strerror}).",
        ) from exc
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        return InstallRecord(
            launcher=str(data["launcher"]),
            python=str(data["python"]),
            home=data.get("home"),
            registrations=tuple(Registration.from_json(item) for item in data["registrations"]),
            created_dirs=tuple(str(item) for item in data.get("created_dirs", ())),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadgekeeperError(
            ErrorCode.INVALID_ARGUMENT,
            f"The install record {path} is damaged ({exc}). Remove the manifests it names by "
            "hand (see `badgekeeper doctor`), delete it, and run `badgekeeper install` again.",
        ) from exc
