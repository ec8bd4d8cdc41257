"""`badgekeeper install` and `uninstall` on real files in a throw-away home: what is written,
what the manifests and launcher say, and that uninstall takes back exactly that."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.install.conftest import Run, User

CHROME_ID = "gjclphckdhebdmajhgpofchhgaogdaed"
STORE_ID = "abcdefghijklmnopabcdefghijklmnop"
MANIFEST = "org.badgekeeper.host.json"


def read_json(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text())
    assert isinstance(data, dict)
    return data


def test_install_then_uninstall_leaves_nothing(user: User, run_cli: Run) -> None:
    """Install for the browsers found, uninstall: the home holds exactly what it held before."""
    user.make_chromium_profile()
    user.make_chromium_profile("google-chrome")
    user.make_firefox_profile()
    before = user.files()
    bk_before = sorted(p.name for p in user.bk_home.rglob("*"))
    code, out, _ = run_cli("install")
    assert code == 0
    for folder in ("chromium", "google-chrome"):
        assert (user.config / folder / "NativeMessagingHosts" / MANIFEST).is_file()
    assert (user.home / ".mozilla" / "native-messaging-hosts" / MANIFEST).is_file()
    assert "Registered for Firefox" in out
    code, out, _ = run_cli("uninstall")
    assert code == 0
    assert user.files() == before
    assert sorted(p.name for p in user.bk_home.rglob("*")) == bk_before


def test_manifest_content(user: User, run_cli: Run) -> None:
    """Chromium-family manifests allow the extension's origin, Firefox's its add-on id; both
    name the launcher by absolute path."""
    code, _, _ = run_cli("install", "--browser", "chromium", "--browser", "firefox")
    assert code == 0
    launcher = str(user.host_folder / "badgekeeper-host")
    chromium = read_json(user.config / "chromium" / "NativeMessagingHosts" / MANIFEST)
    assert chromium == {
        "name": "org.badgekeeper.host",
        "description": chromium["description"],
        "path": launcher,
        "type": "stdio",
        "allowed_origins": [f"chrome-extension://{CHROME_ID}/"],
    }
    firefox = read_json(user.home / ".mozilla" / "native-messaging-hosts" / MANIFEST)
    assert firefox["path"] == launcher
    assert firefox["allowed_extensions"] == ["badgekeeper@badgekeeper.org"]
    assert "allowed_origins" not in firefox


def test_launcher_keeps_interpreter_home_and_allowed_hosts(
    user: User, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The launcher runs this interpreter by absolute path, with BADGEKEEPER_HOME (and
    BADGEKEEPER_ALLOW_HOSTS) as they were at install time, and is executable by its owner only."""
    monkeypatch.setenv("BADGEKEEPER_ALLOW_HOSTS", "127.0.0.1:8080")
    assert run_cli("install", "--browser", "chromium")[0] == 0
    launcher = user.host_folder / "badgekeeper-host"
    text = launcher.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert f'exec {sys.executable} -m native_host "$@"' in text
    assert os.path.isabs(sys.executable)
    assert f"BADGEKEEPER_HOME={user.bk_home}\n" in text
    assert "BADGEKEEPER_ALLOW_HOSTS=127.0.0.1:8080\n" in text
    assert f"BADGEKEEPER_HOST_CONFIG={user.host_folder / 'install.json'}\n" in text
    assert stat.S_IMODE(launcher.stat().st_mode) == 0o700


def test_launcher_runs_the_host_with_the_installed_home(user: User, run_cli: Run) -> None:
    """Run through the launcher (as a browser does) from an environment without
    BADGEKEEPER_HOME, the host reads the install record and refuses an unknown extension
    without starting any agent."""
    assert run_cli("install", "--browser", "chromium")[0] == 0
    launcher = user.host_folder / "badgekeeper-host"
    request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "agent.hello"}).encode()
    result = subprocess.run(
        [str(launcher), f"chrome-extension://{STORE_ID}/"],
        input=len(request).to_bytes(4, sys.byteorder) + request,
        capture_output=True,
        env={"PATH": os.environ["PATH"], "HOME": str(user.home)},
        timeout=30,
        check=False,
    )
    reply = json.loads(result.stdout[4:])
    assert reply["error"]["data"]["name"] == "ORIGIN_REFUSED"
    assert f"--extension-id {STORE_ID}" in reply["error"]["message"]
    assert result.returncode == 0
    assert not (user.bk_home / "run").exists()


def test_extension_ids_are_added_and_kept_per_registration(user: User, run_cli: Run) -> None:
    """--extension-id adds a store id to that registration's manifest and to the host's
    allowed list; a later install elsewhere keeps it."""
    profile = user.home / "profile"
    assert run_cli("install", "--user-data-dir", str(profile), "--extension-id", STORE_ID)[0] == 0
    manifest = read_json(profile / "NativeMessagingHosts" / MANIFEST)
    assert manifest["allowed_origins"] == [
        f"chrome-extension://{CHROME_ID}/",
        f"chrome-extension://{STORE_ID}/",
    ]
    assert run_cli("install", "--browser", "chrome")[0] == 0
    record = read_json(user.host_folder / "install.json")
    assert record["allowed"] == {
        "chrome": [CHROME_ID, STORE_ID],
        "firefox": ["badgekeeper@badgekeeper.org"],
    }
    assert run_cli("uninstall", "--user-data-dir", str(profile))[0] == 0
    record = read_json(user.host_folder / "install.json")
    assert record["allowed"] == {"chrome": [CHROME_ID], "firefox": ["badgekeeper@badgekeeper.org"]}
    assert not profile.exists()


def test_uninstall_by_browser_keeps_the_others(user: User, run_cli: Run) -> None:
    """`uninstall --browser X` removes X's registration only; the launcher stays for the rest."""
    assert run_cli("install", "--browser", "chromium", "--browser", "vivaldi")[0] == 0
    assert run_cli("uninstall", "--browser", "vivaldi")[0] == 0
    assert not (user.config / "vivaldi").exists()
    assert (user.config / "chromium" / "NativeMessagingHosts" / MANIFEST).is_file()
    assert (user.host_folder / "badgekeeper-host").is_file()


def test_uninstall_leaves_a_manifest_someone_else_replaced(user: User, run_cli: Run) -> None:
    """A manifest that no longer names our launcher is not ours to delete; it is reported."""
    assert run_cli("install", "--browser", "chromium")[0] == 0
    manifest = user.config / "chromium" / "NativeMessagingHosts" / MANIFEST
    replaced = {"name": "org.badgekeeper.host", "path": "/opt/other/host", "type": "stdio"}
    manifest.write_text(json.dumps(replaced))
    code, out, _ = run_cli("uninstall")
    assert code == 0
    assert "Left alone" in out
    assert read_json(manifest)["path"] == "/opt/other/host"
    assert not (user.host_folder / "badgekeeper-host").exists()


def test_dry_run_writes_nothing(user: User, run_cli: Run) -> None:
    """--dry-run prints every file it would write and leaves the disk alone."""
    before = user.files()
    code, out, _ = run_cli("install", "--browser", "chromium", "--dry-run")
    assert code == 0
    assert f"would write {user.config / 'chromium' / 'NativeMessagingHosts' / MANIFEST}" in out
    assert f"would write {user.host_folder / 'badgekeeper-host'}" in out
    assert user.files() == before
    assert not user.host_folder.exists()


def test_usage_errors_exit_2(user: User, run_cli: Run) -> None:
    """No browser found, Firefox with --user-data-dir, or a malformed id: exit 2 with a fix."""
    code, _, err = run_cli("install")
    assert code == 2 and "--browser chrome" in err
    code, _, err = run_cli("install", "--browser", "firefox", "--user-data-dir", "/tmp/x")
    assert code == 2 and "Firefox has no --user-data-dir" in err
    code, _, err = run_cli("install", "--browser", "chrome", "--extension-id", "nope")
    assert code == 2 and "neither a Chrome extension id" in err


def test_uninstall_with_nothing_installed(user: User, run_cli: Run) -> None:
    """Uninstalling when nothing is installed says so and succeeds."""
    code, out, _ = run_cli("uninstall")
    assert code == 0
    assert "Nothing is installed" in out


def test_failed_install_leaves_nothing_new(user: User, run_cli: Run) -> None:
    """A location that cannot be written (a file where a folder must go) fails with
    INSTALL_FAILED naming it, and what this run had written is removed again."""
    blocker = user.home / "not-a-folder"
    blocker.write_text("")
    before = user.files()
    code, _, err = run_cli("install", "--user-data-dir", str(blocker))
    assert code == 1
    assert "could not be changed" in err and str(blocker) in err
    assert user.files() == before
    assert not user.host_folder.exists()
