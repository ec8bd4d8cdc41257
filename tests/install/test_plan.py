"""Install and uninstall plans for Windows, macOS and sandboxed Linux browsers, planned here
(nothing is written): registry values, .cmd launchers, Brave's double registration, Flatpak."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.errors import BadgekeeperError
from agent.install.detect import BrowserInstall
from agent.install.extension_ids import ExtensionIds
from agent.install.locations import RegistryKey
from agent.install.manifests import unix_launcher, windows_launcher
from agent.install.plan import (
    InstallContext,
    InstallRequest,
    RemoveFile,
    RemoveRegistryValue,
    SetRegistryValue,
    WriteFile,
    plan_install,
    plan_uninstall,
)

IDS = ExtensionIds(("gjclphckdhebdmajhgpofchhgaogdaed",), ("badgekeeper@badgekeeper.org",))
WINDOWS_DATA = Path(r"C:\Users\Ada Lovelace\AppData\Local\badgekeeper")
WINDOWS_PYTHON = r"C:\Program Files\Python 3.12\python.exe"


def context(platform: str, **env: str) -> InstallContext:
    if platform == "win32":
        return InstallContext("win32", Path(r"C:\Users\Ada Lovelace"), env, WINDOWS_DATA,
                              WINDOWS_PYTHON, IDS)  # fmt: skip
    home = Path("/Users/ada") if platform == "darwin" else Path("/home/ada")
    data = home / ".local/share/badgekeeper"
    return InstallContext(platform, home, env, data, "/usr/bin/python3", IDS)  # type: ignore[arg-type]


def writes(plan_operations: tuple[object, ...]) -> dict[str, str]:
    return {str(op.path): op.text for op in plan_operations if isinstance(op, WriteFile)}


def test_windows_install_sets_registry_values_to_per_family_manifests() -> None:
    """On Windows each browser's key names a manifest in the host folder; Brave and Vivaldi
    share Chrome's key; a .cmd launcher with quoted paths is written."""
    request = InstallRequest(("chrome", "brave", "edge", "firefox"))
    plan = plan_install(context("win32"), request, [], None)
    values = {str(op.key): op.value for op in plan.operations if isinstance(op, SetRegistryValue)}
    folder = r"C:\Users\Ada Lovelace\AppData\Local\badgekeeper\native-host"
    assert values == {
        r"HKCU\Software\Google\Chrome\NativeMessagingHosts\org.badgekeeper.host":
            rf"{folder}\org.badgekeeper.host.chromium.json",
        r"HKCU\Software\Microsoft\Edge\NativeMessagingHosts\org.badgekeeper.host":
            rf"{folder}\org.badgekeeper.host.chromium.json",
        r"HKCU\Software\Mozilla\NativeMessagingHosts\org.badgekeeper.host":
            rf"{folder}\org.badgekeeper.host.firefox.json",
    }  # fmt: skip
    assert plan.record is not None
    assert plan.record.launcher == rf"{folder}\badgekeeper-host.cmd"
    written = {Path(path).name: text for path, text in writes(plan.operations).items()}
    chromium = json.loads(written["org.badgekeeper.host.chromium.json"])
    assert chromium["path"] == rf"{folder}\badgekeeper-host.cmd"
    firefox = json.loads(written["org.badgekeeper.host.firefox.json"])
    assert firefox["allowed_extensions"] == ["badgekeeper@badgekeeper.org"]
    launcher = written["badgekeeper-host.cmd"]
    assert f'"{WINDOWS_PYTHON}" -m native_host %*' in launcher
    assert rf'set "BADGEKEEPER_HOST_CONFIG={folder}\install.json"' in launcher


def test_windows_uninstall_removes_keys_and_manifests() -> None:
    """Uninstall deletes the keys that still name our manifests, then the manifests."""
    installed = plan_install(context("win32"), InstallRequest(("chrome",)), [], None)
    plan = plan_uninstall(context("win32"), InstallRequest(), installed.record)
    removed_keys = [op.key for op in plan.operations if isinstance(op, RemoveRegistryValue)]
    assert removed_keys == [
        RegistryKey(
            "HKEY_CURRENT_USER", r"Software\Google\Chrome\NativeMessagingHosts\org.badgekeeper.host"
        )
    ]
    removed_files = {Path(op.path).name for op in plan.operations if isinstance(op, RemoveFile)}
    assert {"org.badgekeeper.host.chromium.json", "badgekeeper-host.cmd"} <= {
        name.rpartition("\\")[2] for name in removed_files
    }
    assert plan.record is None


def test_windows_launcher_escapes_percent_and_refuses_quotes() -> None:
    """cmd.exe expands %VAR%: a literal % is doubled; a double quote cannot be carried."""
    text = windows_launcher(r"C:\100%\python.exe", {"BADGEKEEPER_HOME": r"D:\50% off"})
    assert r'set "BADGEKEEPER_HOME=D:\50%% off"' in text
    assert r'"C:\100%%\python.exe" -m native_host %*' in text
    assert text.endswith("\r\n")
    with pytest.raises(BadgekeeperError, match="double quote"):
        windows_launcher(r'C:\a"b\python.exe', {})


def test_unix_launcher_quotes_awkward_paths() -> None:
    """Spaces, quotes and dollars survive shell quoting; an unset home is unset explicitly."""
    text = unix_launcher("/opt/my env/bin/python", {"BADGEKEEPER_HOME": None, "X": "it's $HOME"})
    assert "unset BADGEKEEPER_HOME\n" in text
    assert "X='it'\"'\"'s $HOME'\n" in text
    assert "exec '/opt/my env/bin/python' -m native_host \"$@\"" in text
    with pytest.raises(BadgekeeperError, match="line break"):
        unix_launcher("/usr/bin/python3", {"BADGEKEEPER_HOME": "/a\nb"})


def test_brave_on_macos_writes_its_folder_and_chromes() -> None:
    """Brave on macOS often reads Chrome's folder: both get the manifest."""
    plan = plan_install(context("darwin"), InstallRequest(("brave",)), [], None)
    support = "/Users/ada/Library/Application Support"
    manifests = sorted(path for path in writes(plan.operations) if path.endswith(".json"))
    assert manifests == [
        f"{support}/BraveSoftware/Brave-Browser/NativeMessagingHosts/org.badgekeeper.host.json",
        f"{support}/Google/Chrome/NativeMessagingHosts/org.badgekeeper.host.json",
    ]


def test_chrome_and_brave_on_macos_share_chromes_folder() -> None:
    """Two browsers reading one location make one registration, not two."""
    plan = plan_install(context("darwin"), InstallRequest(("chrome", "brave")), [], None)
    assert plan.record is not None
    targets = [registration.target for registration in plan.record.registrations]
    assert len(targets) == len(set(targets)) == 2


def test_flatpak_browser_gets_a_sandbox_manifest_and_launcher() -> None:
    """A Flatpak Chromium: its own manifest inside ~/.var/app, naming a launcher there that
    runs the host outside the sandbox with flatpak-spawn --host."""
    installs = [
        BrowserInstall("chromium", "flatpak", "/home/ada/.var/app/org.chromium.Chromium",
                       "org.chromium.Chromium"),
    ]  # fmt: skip
    plan = plan_install(
        context("linux", BADGEKEEPER_HOME="/srv/bk"), InstallRequest(), installs, None
    )
    app = "/home/ada/.var/app/org.chromium.Chromium"
    written = writes(plan.operations)
    manifest = json.loads(
        written[f"{app}/config/chromium/NativeMessagingHosts/org.badgekeeper.host.json"]
    )
    assert manifest["path"] == f"{app}/data/badgekeeper/badgekeeper-host"
    launcher = written[f"{app}/data/badgekeeper/badgekeeper-host"]
    assert "exec flatpak-spawn --host" in launcher
    assert "--env=BADGEKEEPER_HOME=/srv/bk" in launcher
    assert "/usr/bin/python3 -m native_host" in launcher
    # The native location is registered too (the browser named by its Flatpak is Chromium).
    assert "/home/ada/.config/chromium/NativeMessagingHosts/org.badgekeeper.host.json" in written
    uninstall = plan_uninstall(context("linux"), InstallRequest(), plan.record)
    removed = {str(op.path) for op in uninstall.operations if isinstance(op, RemoveFile)}
    assert f"{app}/data/badgekeeper/badgekeeper-host" in removed


def test_snap_chromium_gets_its_own_location() -> None:
    """Snap Chromium reads ~/snap/chromium/common/chromium/NativeMessagingHosts."""
    installs = [BrowserInstall("chromium", "snap", "/snap/chromium", "chromium")]
    plan = plan_install(context("linux"), InstallRequest(), installs, None)
    snap = "/home/ada/snap/chromium/common/chromium/NativeMessagingHosts/org.badgekeeper.host.json"
    assert snap in writes(plan.operations)


def test_reinstall_replaces_only_the_same_location() -> None:
    """Installing again for one browser keeps the other registrations of the record."""
    first = plan_install(context("linux"), InstallRequest(("chrome", "firefox")), [], None)
    second = plan_install(context("linux"), InstallRequest(("chrome",)), [], first.record)
    assert second.record is not None and first.record is not None
    assert sorted(r.target for r in second.record.registrations) == sorted(
        r.target for r in first.record.registrations
    )
