"""Where host manifests and the launcher go, per platform and browser: pure path arithmetic.

Rules:
- ``manifest_locations`` answers for any of ``linux``, ``darwin`` and ``win32`` on any machine
  (tests check all three here): POSIX platforms get manifest file paths, Windows gets registry
  keys whose default value names the manifest file.
- Per user by default; ``system=True`` for every user of the machine; ``user_data_dir`` for a
  Chromium-family browser started with ``--user-data-dir`` (Chromium then reads
  ``DIR/NativeMessagingHosts``). Windows has no per-profile location: the user's key serves.
- Firefox has no ``--user-data-dir`` location: asking for one is a usage error.
- Nothing here touches the file system or the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Literal

from agent.errors import BadgekeeperError, ErrorCode
from agent.install.browsers import BROWSERS, HOST_NAME, Browser, Flatpak

Platform = Literal["linux", "darwin", "win32"]
PLATFORMS: tuple[Platform, ...] = ("linux", "darwin", "win32")
MANIFEST_FILE = f"{HOST_NAME}.json"
LAUNCHER_UNIX = "badgekeeper-host"
LAUNCHER_WINDOWS = "badgekeeper-host.cmd"
RECORD_FILE = "install.json"
HOST_FOLDER = "native-host"


@dataclass(frozen=True, order=True)
class RegistryKey:
    """A registry key whose default value is a manifest's path (Windows)."""

    hive: Literal["HKEY_CURRENT_USER", "HKEY_LOCAL_MACHINE"]
    path: str

    def __str__(self) -> str:
        short = "HKCU" if self.hive == "HKEY_CURRENT_USER" else "HKLM"
        return f"{short}\\{self.path}"

    @classmethod
    def parse(cls, text: str) -> RegistryKey:
        short, _, path = text.partition("\\")
        if short not in ("HKCU", "HKLM") or not path:
            raise ValueError(f"not a registry key: {text!r}")
        return cls("HKEY_CURRENT_USER" if short == "HKCU" else "HKEY_LOCAL_MACHINE", path)


Location = Path | RegistryKey


def current_platform(name: str) -> Platform:
    """``sys.platform`` as one of ours (other Unixes follow Linux's layout)."""
    if name == "win32":
        return "win32"
    return "darwin" if name == "darwin" else "linux"


def _browser(key: str) -> Browser:
    try:
        return BROWSERS[key]
    except KeyError:
        raise BadgekeeperError(
            ErrorCode.INVALID_ARGUMENT,
            f"Unknown browser {key!r}; choose from {', '.join(BROWSERS)}.",
        ) from None


def config_home(home: Path, env: Mapping[str, str]) -> Path:
    configured = env.get("XDG_CONFIG_HOME", "")
    return Path(configured) if configured.startswith("/") else home / ".config"


def manifest_locations(
    platform: Platform,
    browser: str,
    *,
    system: bool = False,
    user_data_dir: Path | None = None,
    home: Path,
    env: Mapping[str, str],
) -> list[Location]:
    """Where ``browser`` looks for the host's manifest (files, or registry keys on Windows)."""
    spec = _browser(browser)
    if user_data_dir is not None and spec.family == "firefox":
        raise BadgekeeperError(
            ErrorCode.INVALID_ARGUMENT,
            "Firefox has no --user-data-dir; install for Firefox without it.",
        )
    if platform == "win32":
        hive: Literal["HKEY_CURRENT_USER", "HKEY_LOCAL_MACHINE"] = (
            "HKEY_LOCAL_MACHINE" if system else "HKEY_CURRENT_USER"
        )
        return [RegistryKey(hive, f"{spec.windows_key}\\NativeMessagingHosts\\{HOST_NAME}")]
    if user_data_dir is not None:
        return [user_data_dir / "NativeMessagingHosts" / MANIFEST_FILE]
    if platform == "darwin":
        if system:
            return [Path(folder) / MANIFEST_FILE for folder in spec.mac_system]
        support = home / "Library" / "Application Support"
        return [
            support / folder / "NativeMessagingHosts" / MANIFEST_FILE for folder in spec.mac_user
        ]
    if system:
        return [Path(folder) / MANIFEST_FILE for folder in spec.linux_system]
    if spec.family == "firefox":
        return [home / spec.linux_user / spec.hosts_folder_name / MANIFEST_FILE]
    return [config_home(home, env) / spec.linux_user / spec.hosts_folder_name / MANIFEST_FILE]


def flatpak_manifest_location(spec: Browser, flatpak: Flatpak, home: Path) -> Path:
    """Where the Flatpak of ``spec`` looks (inside its sandbox, mounted at the same path)."""
    return (
        home / ".var" / "app" / flatpak.app_id / flatpak.config / spec.hosts_folder_name
    ) / MANIFEST_FILE


def flatpak_launcher_location(flatpak: Flatpak, home: Path) -> Path:
    """A launcher the sandboxed browser can see: inside its own ``~/.var/app/<id>``."""
    return home / ".var" / "app" / flatpak.app_id / "data" / "badgekeeper" / LAUNCHER_UNIX


def snap_manifest_location(spec: Browser, home: Path) -> Path | None:
    """Where Snap Chromium looks (Snap Firefox asks through the portal: the usual location)."""
    if spec.snap != "chromium":
        return None
    return (
        home / "snap" / "chromium" / "common" / "chromium" / "NativeMessagingHosts" / MANIFEST_FILE
    )


def host_folder(
    platform: Platform, *, system: bool, data_dir: Path, env: Mapping[str, str]
) -> Path:
    """The folder for the launcher, the install record and (Windows) the manifests.

    Per user it is in the data folder, so ``BADGEKEEPER_HOME`` moves it too; for every user it
    is a system folder that all can read.
    """
    if not system:
        return data_dir / HOST_FOLDER
    if platform == "darwin":
        return Path("/Library/Application Support/Badgekeeper") / HOST_FOLDER
    if platform == "win32":
        program_data = env.get("ProgramData") or env.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(str(PureWindowsPath(program_data, "Badgekeeper", HOST_FOLDER)))
    return Path("/usr/local/lib/badgekeeper") / HOST_FOLDER


def native_text(platform: Platform, path: Path) -> str:
    """``path`` as the platform writes it (backslashes on Windows, whatever machine plans it)."""
    return str(PureWindowsPath(path)) if platform == "win32" else str(path)


def launcher_name(platform: Platform) -> str:
    return LAUNCHER_WINDOWS if platform == "win32" else LAUNCHER_UNIX


def windows_manifest_name(family: str) -> str:
    """The manifest file a Windows registry key names, one per browser family."""
    return f"{HOST_NAME}.{family}.json"
