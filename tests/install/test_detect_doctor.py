"""Finding browsers (native, Flatpak, Snap) on a machine built in a temporary folder, and what
`badgekeeper doctor` says about missing, registered, foreign and Flatpak cases."""

from __future__ import annotations

import json
from pathlib import Path

from agent.install.detect import detect_browsers
from agent.install.doctor import diagnose, render
from agent.install.extension_ids import ExtensionIds
from agent.install.plan import InstallContext, InstallRequest, plan_install
from agent.install.probe import ProbeResult
from agent.install.record import InstallRecord
from tests.install.conftest import Run, User

IDS = ExtensionIds(("gjclphckdhebdmajhgpofchhgaogdaed",), ("badgekeeper@badgekeeper.org",))


def no_programs(name: str) -> str | None:
    return None


def test_detects_native_flatpak_and_snap(tmp_path: Path) -> None:
    """Profiles, Flatpak app folders, Snap folders and programs on PATH are each recognised;
    a program under /snap/ counts as the Snap, and an empty hosts folder is no profile."""
    home, root = tmp_path / "home", tmp_path / "root"
    (home / ".config/google-chrome").mkdir(parents=True)
    (home / ".config/google-chrome/Local State").write_text("{}")
    (home / ".config/vivaldi/NativeMessagingHosts").mkdir(parents=True)  # only what we wrote
    (home / ".var/app/org.mozilla.firefox").mkdir(parents=True)
    (root / "snap/chromium").mkdir(parents=True)
    programs = {"microsoft-edge": "/usr/bin/microsoft-edge", "chromium": "/snap/bin/chromium"}
    found = detect_browsers("linux", home=home, env={}, root=root, which=programs.get)
    assert [(i.browser, i.variant) for i in found] == [
        ("chrome", "native"),
        ("chromium", "snap"),
        ("edge", "native"),
        ("firefox", "flatpak"),
    ]
    assert found[3].app_id == "org.mozilla.firefox"
    assert found[1].label == "Chromium (Snap)"


def test_detects_macos_and_windows_profiles(tmp_path: Path) -> None:
    """macOS: an app bundle or a profile; Windows: a profile under LOCALAPPDATA / APPDATA."""
    home, root = tmp_path / "home", tmp_path / "root"
    (root / "Applications/Brave Browser.app").mkdir(parents=True)
    (home / "Library/Application Support/Firefox").mkdir(parents=True)
    (home / "Library/Application Support/Firefox/profiles.ini").write_text("")
    mac = detect_browsers("darwin", home=home, env={}, root=root, which=no_programs)
    assert [i.browser for i in mac] == ["brave", "firefox"]
    local = tmp_path / "Local"
    (local / "Microsoft/Edge/User Data").mkdir(parents=True)
    (local / "Microsoft/Edge/User Data/Local State").write_text("{}")
    windows = detect_browsers("win32", home=home, env={"LOCALAPPDATA": str(local)}, root=root)
    assert [i.browser for i in windows] == ["edge"]


def test_doctor_when_nothing_is_installed(user: User, run_cli: Run) -> None:
    """No record: the host is reported not installed, with `badgekeeper install` as the fix."""
    user.make_chromium_profile()
    code, out, _ = run_cli("doctor", "--no-probe")
    assert code == 1
    assert "not installed" in out
    assert "fix: badgekeeper install" in out
    assert "✗ Chromium: this browser is installed, but the native host is not registered" in out


def test_doctor_reports_registered_and_missing(user: User, run_cli: Run) -> None:
    """Registered locations are ✓; a deleted manifest and an unregistered browser are ✗, each
    with the exact command that fixes it."""
    user.make_chromium_profile()
    assert run_cli("install")[0] == 0
    code, out, _ = run_cli("doctor", "--no-probe")
    assert code == 0, out
    assert "✓ Chromium: registered" in out
    user.make_firefox_profile()
    (user.config / "chromium" / "NativeMessagingHosts" / "org.badgekeeper.host.json").unlink()
    code, out, _ = run_cli("doctor", "--no-probe", "--json")
    assert code == 1
    report = json.loads(out)
    problems = {
        (f["subject"], f["code"]): f["fix"] for f in report["findings"] if f["level"] == "problem"
    }
    assert problems == {
        ("Chromium", "NOT_REGISTERED"): "badgekeeper install --browser chromium",
        ("Firefox", "NOT_REGISTERED"): "badgekeeper install --browser firefox",
    }


def test_doctor_spots_a_manifest_pointing_elsewhere(user: User, run_cli: Run) -> None:
    """A manifest that names another launcher is MANIFEST_FOREIGN; reinstalling fixes it."""
    assert run_cli("install", "--browser", "chromium")[0] == 0
    manifest = user.config / "chromium" / "NativeMessagingHosts" / "org.badgekeeper.host.json"
    content = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**content, "path": "/old/venv/badgekeeper-host"}))
    report = json.loads(run_cli("doctor", "--no-probe", "--json")[1])
    (finding,) = [f for f in report["findings"] if f["level"] == "problem"]
    assert finding["code"] == "MANIFEST_FOREIGN"
    assert "/old/venv/badgekeeper-host" in finding["message"]


def test_doctor_flatpak_needs_the_flatpak_permission(tmp_path: Path) -> None:
    """A Flatpak browser registered but not allowed to run flatpak-spawn --host gets the exact
    `flatpak override` command; with the override in place it is fine."""
    home, root = tmp_path / "home", tmp_path / "root"
    app = home / ".var/app/org.chromium.Chromium"
    app.mkdir(parents=True)
    installs = detect_browsers("linux", home=home, env={}, root=root, which=no_programs)
    context = InstallContext("linux", home, {}, tmp_path / "data", "/usr/bin/python3", IDS)
    plan = plan_install(context, InstallRequest(), installs, None)
    assert plan.record is not None
    for operation in plan.operations:  # write what install would (the manifests are checked)
        path = getattr(operation, "path", None)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(operation.text)  # type: ignore[union-attr]
    records: dict[str, InstallRecord | None] = {"record": plan.record}
    report = diagnose(records, installs, IDS, home=home, root=root)
    (finding,) = [f for f in report.findings if f.code == "FLATPAK_PERMISSION"]
    assert finding.fix == (
        "flatpak override --user --talk-name=org.freedesktop.Flatpak org.chromium.Chromium"
    )
    assert "fix: flatpak override" in render(report)
    override = home / ".local/share/flatpak/overrides/org.chromium.Chromium"
    override.parent.mkdir(parents=True)
    override.write_text("[Session Bus Policy]\norg.freedesktop.Flatpak=talk\n")
    report = diagnose(records, installs, IDS, home=home, root=root)
    assert not [f for f in report.findings if f.code == "FLATPAK_PERMISSION"]


def test_doctor_probe_failure_is_a_problem(tmp_path: Path) -> None:
    """When the host does not relay agent.hello, doctor says so and how to see why."""
    launcher = tmp_path / "badgekeeper-host"
    launcher.write_text("")
    record = InstallRecord(str(launcher), "/usr/bin/python3", None)

    def failing(record: InstallRecord) -> ProbeResult:
        return ProbeResult(False, 12.0, None, "the agent did not answer")

    report = diagnose({"r": record}, [], IDS, home=tmp_path, probe=failing)
    (finding,) = [f for f in report.findings if f.code == "PROBE_FAILED"]
    assert "the agent did not answer" in finding.message
    assert not report.ok


def test_doctor_probe_reaches_the_agent_through_the_launcher(user: User, run_cli: Run) -> None:
    """With the host installed, doctor runs the launcher as a browser would and reports the
    agent that answered (it starts one, which this test stops)."""
    from tests.host.support import stop_agent_of

    assert run_cli("install", "--browser", "chromium")[0] == 0
    try:
        code, out, _ = run_cli("doctor", "--json")
        report = json.loads(out)
        assert code == 0, out
        assert report["probe"]["ok"] is True
        assert report["probe"]["agent"]["home"] == str(user.bk_home / "data")
    finally:
        stop_agent_of(user.bk_home)
