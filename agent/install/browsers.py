"""The browsers Badgekeeper registers its native host with, and where each keeps things.

One row per browser: the folders (relative to a platform's base folder) that hold its profile
and its ``NativeMessagingHosts``, its registry key on Windows, and its Flatpak and Snap names.
The tables come from the browsers' documentation and source (summed up in docs/PROTOCOL.md,
"Installing the host"); ``locations`` and ``detect`` turn them into paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["chromium", "firefox"]
HOST_NAME = "org.badgekeeper.host"


@dataclass(frozen=True)
class Flatpak:
    """A browser's Flatpak: its app id and where its profile lives under ``~/.var/app/<id>/``."""

    app_id: str
    config: str  # folder (relative to ~/.var/app/<id>/) that holds the hosts folder


@dataclass(frozen=True)
class Browser:
    """One supported browser."""

    key: str
    name: str
    family: Family
    linux_user: str  # relative to $XDG_CONFIG_HOME (Chromium family) or $HOME (Firefox)
    linux_system: tuple[str, ...]
    mac_user: tuple[str, ...]  # relative to ~/Library/Application Support
    mac_system: tuple[str, ...]
    windows_key: str  # under HKCU / HKLM
    windows_profile: str  # relative to %LOCALAPPDATA% (Chromium family) or %APPDATA% (Firefox)
    linux_binaries: tuple[str, ...]
    mac_app: str
    flatpak: Flatpak | None = None
    snap: str | None = None

    @property
    def hosts_folder_name(self) -> str:
        """The hosts folder's own name on Linux (Firefox spells it differently)."""
        return "native-messaging-hosts" if self.family == "firefox" else "NativeMessagingHosts"


_CHROME_MAC_SYSTEM = "/Library/Google/Chrome/NativeMessagingHosts"

BROWSERS: dict[str, Browser] = {
    browser.key: browser
    for browser in (
        Browser(
            key="chrome",
            name="Google Chrome",
            family="chromium",
            linux_user="google-chrome",
            linux_system=("/etc/opt/chrome/native-messaging-hosts",),
            mac_user=("Google/Chrome",),
            mac_system=(_CHROME_MAC_SYSTEM,),
            windows_key=r"Software\Google\Chrome",
            windows_profile=r"Google\Chrome\User Data",
            linux_binaries=("google-chrome", "google-chrome-stable"),
            mac_app="Google Chrome.app",
            flatpak=Flatpak("com.google.Chrome", "config/google-chrome"),
        ),
        Browser(
            key="chromium",
            name="Chromium",
            family="chromium",
            linux_user="chromium",
            linux_system=("/etc/chromium/native-messaging-hosts",),
            mac_user=("Chromium",),
            mac_system=("/Library/Application Support/Chromium/NativeMessagingHosts",),
            windows_key=r"Software\Chromium",
            windows_profile=r"Chromium\User Data",
            linux_binaries=("chromium", "chromium-browser"),
            mac_app="Chromium.app",
            flatpak=Flatpak("org.chromium.Chromium", "config/chromium"),
            snap="chromium",
        ),
        Browser(
            key="edge",
            name="Microsoft Edge",
            family="chromium",
            linux_user="microsoft-edge",
            linux_system=("/etc/opt/edge/native-messaging-hosts",),
            mac_user=("Microsoft Edge",),
            mac_system=("/Library/Microsoft/Edge/NativeMessagingHosts",),
            # Edge also reads the Chromium, then the Chrome key; its own comes first.
            windows_key=r"Software\Microsoft\Edge",
            windows_profile=r"Microsoft\Edge\User Data",
            linux_binaries=("microsoft-edge", "microsoft-edge-stable"),
            mac_app="Microsoft Edge.app",
            flatpak=Flatpak("com.microsoft.Edge", "config/microsoft-edge"),
        ),
        Browser(
            key="brave",
            name="Brave",
            family="chromium",
            linux_user="BraveSoftware/Brave-Browser",
            linux_system=("/etc/opt/brave/native-messaging-hosts",),
            # Brave on macOS often reads Chrome's folder instead of its own: write both.
            mac_user=("BraveSoftware/Brave-Browser", "Google/Chrome"),
            mac_system=(
                "/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts",
                _CHROME_MAC_SYSTEM,
            ),
            windows_key=r"Software\Google\Chrome",  # Brave reads Chrome's key
            windows_profile=r"BraveSoftware\Brave-Browser\User Data",
            linux_binaries=("brave-browser", "brave-browser-stable", "brave"),
            mac_app="Brave Browser.app",
            flatpak=Flatpak("com.brave.Browser", "config/BraveSoftware/Brave-Browser"),
        ),
        Browser(
            key="vivaldi",
            name="Vivaldi",
            family="chromium",
            linux_user="vivaldi",
            linux_system=("/etc/opt/vivaldi/native-messaging-hosts",),
            mac_user=("Vivaldi",),
            mac_system=("/Library/Application Support/Vivaldi/NativeMessagingHosts",),
            windows_key=r"Software\Google\Chrome",  # Vivaldi reads Chrome's key
            windows_profile=r"Vivaldi\User Data",
            linux_binaries=("vivaldi", "vivaldi-stable"),
            mac_app="Vivaldi.app",
            flatpak=Flatpak("com.vivaldi.Vivaldi", "config/vivaldi"),
        ),
        Browser(
            key="firefox",
            name="Firefox",
            family="firefox",
            linux_user=".mozilla",
            linux_system=(
                "/usr/lib/mozilla/native-messaging-hosts",
                "/usr/lib64/mozilla/native-messaging-hosts",
            ),
            mac_user=("Mozilla",),
            mac_system=("/Library/Application Support/Mozilla/NativeMessagingHosts",),
            windows_key=r"Software\Mozilla",
            windows_profile=r"Mozilla\Firefox",
            linux_binaries=("firefox", "firefox-esr"),
            mac_app="Firefox.app",
            flatpak=Flatpak("org.mozilla.firefox", ".mozilla"),
            snap="firefox",
        ),
    )
}

BROWSER_KEYS = tuple(BROWSERS)
