"""Which browsers are installed: profile folders and programs, including Flatpak and Snap.

Rules:
- A browser counts as installed when it has made a profile (``Local State``, or Firefox's
  ``profiles.ini``) or its program is found; a
  Flatpak when its app folder exists (system, user, or its ``~/.var/app/<id>`` data); a Snap
  when ``/snap/<name>`` or ``~/snap/<name>`` exists. A program found under ``/snap/`` is the
  Snap, not a native install.
- Read-only and side-effect free; ``root`` and ``which`` are parameters so tests can build a
  machine in a temporary folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent.install.browsers import BROWSERS, Browser
from agent.install.locations import Platform, config_home

Variant = Literal["native", "flatpak", "snap"]
Which = Callable[[str], str | None]


@dataclass(frozen=True)
class BrowserInstall:
    """One installed browser: which, how it is packaged, and the evidence found."""

    browser: str
    variant: Variant
    evidence: str
    app_id: str | None = None  # the Flatpak app id or the Snap name

    @property
    def label(self) -> str:
        name = BROWSERS[self.browser].name
        return name if self.variant == "native" else f"{name} ({self.variant.capitalize()})"


def _has_profile(spec: Browser, folder: Path) -> bool:
    """A profile the browser made, not just the hosts folder an install created there."""
    marker = (
        folder / "firefox" / "profiles.ini" if spec.family == "firefox" else folder / "Local State"
    )
    return marker.is_file()


def _linux_native(spec: Browser, home: Path, env: Mapping[str, str], which: Which) -> str | None:
    profile = (
        home / spec.linux_user
        if spec.family == "firefox"
        else config_home(home, env) / spec.linux_user
    )
    if _has_profile(spec, profile):
        return str(profile)
    for binary in spec.linux_binaries:
        found = which(binary)
        if found and not found.startswith("/snap/"):
            return found
    return None


def _linux_flatpak(spec: Browser, home: Path, root: Path) -> BrowserInstall | None:
    if spec.flatpak is None:
        return None
    app_id = spec.flatpak.app_id
    for folder in (
        root / "var/lib/flatpak/app" / app_id,
        home / ".local/share/flatpak/app" / app_id,
        home / ".var/app" / app_id,
    ):
        if folder.is_dir():
            return BrowserInstall(spec.key, "flatpak", str(folder), app_id)
    return None


def _linux_snap(spec: Browser, home: Path, root: Path) -> BrowserInstall | None:
    if spec.snap is None:
        return None
    for folder in (root / "snap" / spec.snap, home / "snap" / spec.snap):
        if folder.is_dir():
            return BrowserInstall(spec.key, "snap", str(folder), spec.snap)
    return None


def _mac(spec: Browser, home: Path, root: Path) -> str | None:
    profile = home / "Library" / "Application Support" / spec.mac_user[0]
    if spec.family == "firefox":
        profile = home / "Library" / "Application Support" / "Firefox"
    if (profile / "profiles.ini").is_file() or (profile / "Local State").is_file():
        return str(profile)
    apps = [root / "Applications" / spec.mac_app, home / "Applications" / spec.mac_app]
    return next((str(path) for path in apps if path.exists()), None)


def _windows(spec: Browser, home: Path, env: Mapping[str, str]) -> str | None:
    variable = "APPDATA" if spec.family == "firefox" else "LOCALAPPDATA"
    base = env.get(variable)
    if not base:
        return None
    profile = Path(base) / spec.windows_profile.replace("\\", "/")
    marker = profile / ("profiles.ini" if spec.family == "firefox" else "Local State")
    return str(profile) if marker.is_file() else None


def detect_browsers(
    platform: Platform,
    *,
    home: Path,
    env: Mapping[str, str],
    root: Path = Path("/"),
    which: Which | None = None,
) -> list[BrowserInstall]:
    """Every supported browser found, in the table's order (native, then Flatpak, then Snap)."""
    if which is None:

        def which(name: str) -> str | None:
            return shutil.which(name, path=env.get("PATH"))

    found: list[BrowserInstall] = []
    for spec in BROWSERS.values():
        if platform == "darwin":
            evidence = _mac(spec, home, root)
        elif platform == "win32":
            evidence = _windows(spec, home, env)
        else:
            evidence = _linux_native(spec, home, env, which)
        if evidence is not None:
            found.append(BrowserInstall(spec.key, "native", evidence))
        if platform == "linux":
            found += [
                install
                for install in (_linux_flatpak(spec, home, root), _linux_snap(spec, home, root))
                if install is not None
            ]
    return found
