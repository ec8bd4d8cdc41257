"""Where each browser looks for the host's manifest: Linux, macOS and Windows, per user, for
every user, and for a --user-data-dir profile — checked on this machine for all three."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import BadgekeeperError
from agent.install.browsers import BROWSER_KEYS
from agent.install.locations import (
    PLATFORMS,
    RegistryKey,
    current_platform,
    host_folder,
    manifest_locations,
)

HOME = Path("/home/ada")
NAME = "org.badgekeeper.host.json"
SUPPORT = "/home/ada/Library/Application Support"

LINUX_USER = {
    "chrome": ["/home/ada/.config/google-chrome/NativeMessagingHosts"],
    "chromium": ["/home/ada/.config/chromium/NativeMessagingHosts"],
    "edge": ["/home/ada/.config/microsoft-edge/NativeMessagingHosts"],
    "brave": ["/home/ada/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts"],
    "vivaldi": ["/home/ada/.config/vivaldi/NativeMessagingHosts"],
    "firefox": ["/home/ada/.mozilla/native-messaging-hosts"],
}
LINUX_SYSTEM = {
    "chrome": ["/etc/opt/chrome/native-messaging-hosts"],
    "chromium": ["/etc/chromium/native-messaging-hosts"],
    "edge": ["/etc/opt/edge/native-messaging-hosts"],
    "brave": ["/etc/opt/brave/native-messaging-hosts"],
    "vivaldi": ["/etc/opt/vivaldi/native-messaging-hosts"],
    "firefox": [
        "/usr/lib/mozilla/native-messaging-hosts",
        "/usr/lib64/mozilla/native-messaging-hosts",
    ],
}
MAC_USER = {
    "chrome": [f"{SUPPORT}/Google/Chrome/NativeMessagingHosts"],
    "chromium": [f"{SUPPORT}/Chromium/NativeMessagingHosts"],
    "edge": [f"{SUPPORT}/Microsoft Edge/NativeMessagingHosts"],
    "brave": [
        f"{SUPPORT}/BraveSoftware/Brave-Browser/NativeMessagingHosts",
        f"{SUPPORT}/Google/Chrome/NativeMessagingHosts",
    ],
    "vivaldi": [f"{SUPPORT}/Vivaldi/NativeMessagingHosts"],
    "firefox": [f"{SUPPORT}/Mozilla/NativeMessagingHosts"],
}
MAC_SYSTEM = {
    "chrome": ["/Library/Google/Chrome/NativeMessagingHosts"],
    "chromium": ["/Library/Application Support/Chromium/NativeMessagingHosts"],
    "edge": ["/Library/Microsoft/Edge/NativeMessagingHosts"],
    "brave": [
        "/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts",
        "/Library/Google/Chrome/NativeMessagingHosts",
    ],
    "vivaldi": ["/Library/Application Support/Vivaldi/NativeMessagingHosts"],
    "firefox": ["/Library/Application Support/Mozilla/NativeMessagingHosts"],
}
WINDOWS_KEYS = {
    "chrome": r"Software\Google\Chrome",
    "chromium": r"Software\Chromium",
    "edge": r"Software\Microsoft\Edge",
    "brave": r"Software\Google\Chrome",
    "vivaldi": r"Software\Google\Chrome",
    "firefox": r"Software\Mozilla",
}


def folders(locations: list[Path | RegistryKey]) -> list[str]:
    assert all(isinstance(item, Path) and item.name == NAME for item in locations)
    return [str(item.parent) for item in locations if isinstance(item, Path)]


@pytest.mark.parametrize("browser", BROWSER_KEYS)
def test_linux_tables(browser: str) -> None:
    """Linux: ~/.config (or ~/.mozilla) per user, /etc and /usr/lib for every user."""
    user = manifest_locations("linux", browser, home=HOME, env={})
    assert folders(user) == LINUX_USER[browser]
    system = manifest_locations("linux", browser, system=True, home=HOME, env={})
    assert folders(system) == LINUX_SYSTEM[browser]


@pytest.mark.parametrize("browser", BROWSER_KEYS)
def test_linux_follows_xdg_config_home(browser: str) -> None:
    """An absolute XDG_CONFIG_HOME moves the Chromium family's folders (not Firefox's)."""
    env = {"XDG_CONFIG_HOME": "/srv/conf"}
    (location,) = manifest_locations("linux", browser, home=HOME, env=env)
    expected = LINUX_USER[browser][0].replace("/home/ada/.config", "/srv/conf")
    assert str(location.parent) == expected
    relative = {"XDG_CONFIG_HOME": "conf"}  # the XDG spec says: ignore a relative one
    assert manifest_locations("linux", browser, home=HOME, env=relative) == manifest_locations(
        "linux", browser, home=HOME, env={}
    )


@pytest.mark.parametrize("browser", BROWSER_KEYS)
def test_macos_tables(browser: str) -> None:
    """macOS: Application Support per user (Brave also Chrome's), /Library for every user."""
    user = manifest_locations("darwin", browser, home=HOME, env={})
    assert folders(user) == MAC_USER[browser]
    system = manifest_locations("darwin", browser, system=True, home=HOME, env={})
    assert folders(system) == MAC_SYSTEM[browser]


@pytest.mark.parametrize("browser", BROWSER_KEYS)
def test_windows_registry_keys(browser: str) -> None:
    """Windows: HKCU (HKLM for every user) keys; Brave and Vivaldi read Chrome's."""
    expected = WINDOWS_KEYS[browser] + r"\NativeMessagingHosts\org.badgekeeper.host"
    assert manifest_locations("win32", browser, home=HOME, env={}) == [
        RegistryKey("HKEY_CURRENT_USER", expected)
    ]
    assert manifest_locations("win32", browser, system=True, home=HOME, env={}) == [
        RegistryKey("HKEY_LOCAL_MACHINE", expected)
    ]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("browser", [key for key in BROWSER_KEYS if key != "firefox"])
def test_user_data_dir(platform: str, browser: str) -> None:
    """--user-data-dir DIR means DIR/NativeMessagingHosts (Windows: the user's registry key)."""
    folder = Path("/tmp/profile")
    locations = manifest_locations(
        platform,  # type: ignore[arg-type]
        browser,
        user_data_dir=folder,
        home=HOME,
        env={},
    )
    if platform == "win32":
        assert locations == manifest_locations("win32", browser, home=HOME, env={})
    else:
        assert locations == [folder / "NativeMessagingHosts" / NAME]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_firefox_has_no_user_data_dir(platform: str) -> None:
    """Asking for Firefox with --user-data-dir is a usage error that says what to do."""
    with pytest.raises(BadgekeeperError, match="Firefox has no --user-data-dir"):
        manifest_locations(
            platform,  # type: ignore[arg-type]
            "firefox",
            user_data_dir=Path("/tmp/p"),
            home=HOME,
            env={},
        )


def test_unknown_browser_is_refused() -> None:
    """A browser outside the table is an error naming the choices."""
    with pytest.raises(BadgekeeperError, match="choose from chrome"):
        manifest_locations("linux", "netscape", home=HOME, env={})


def test_host_folders() -> None:
    """The launcher lives in the data folder per user, in a system folder for every user."""
    data = Path("/home/ada/.local/share/badgekeeper")
    assert host_folder("linux", system=False, data_dir=data, env={}) == data / "native-host"
    assert str(host_folder("linux", system=True, data_dir=data, env={})) == (
        "/usr/local/lib/badgekeeper/native-host"
    )
    assert str(host_folder("darwin", system=True, data_dir=data, env={})) == (
        "/Library/Application Support/Badgekeeper/native-host"
    )
    windows = host_folder("win32", system=True, data_dir=data, env={"ProgramData": r"D:\PD"})
    assert str(windows) == r"D:\PD\Badgekeeper\native-host"


def test_current_platform() -> None:
    """Other Unixes use Linux's layout."""
    assert [current_platform(name) for name in ("linux", "darwin", "win32", "freebsd14")] == [
        "linux",
        "darwin",
        "win32",
        "linux",
    ]
