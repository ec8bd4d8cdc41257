"""`badgekeeper service`: the plans per platform (pure), and installing without systemctl."""

from __future__ import annotations

import json
import plistlib
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from agent.cli import main
from agent.errors import BadgekeeperError
from agent.service_install import install, plan_service, platform_of, status, uninstall

PYTHON = "/opt/my apps/python3 & co/bin/python"
ENV = {"BADGEKEEPER_HOME": "/home/ada/100% badges"}
NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


def test_linux_unit_quotes_paths_and_passes_the_home() -> None:
    """The systemd unit lives under XDG_CONFIG_HOME; odd paths survive quoting and %."""
    plan = plan_service(
        "linux", python=PYTHON, env={**ENV, "XDG_CONFIG_HOME": "/cfg"}, user_home="/home/ada"
    )
    assert str(plan.path) == "/cfg/systemd/user/badgekeeper-agent.service"
    lines = dict(line.split("=", 1) for line in plan.content.splitlines() if "=" in line)
    assert shlex.split(lines["ExecStart"]) == [PYTHON, "-m", "agent.cli", "serve"]
    assert lines["Environment"] == '"BADGEKEEPER_HOME=/home/ada/100%% badges"'
    assert ("systemctl", "--user", "enable", "--now", "badgekeeper-agent.service") in plan.install


def test_linux_unit_defaults_to_dot_config() -> None:
    """Without XDG_CONFIG_HOME the unit goes to ~/.config/systemd/user."""
    plan = plan_service("linux", python="/usr/bin/python3", env={}, user_home="/home/ada")
    assert str(plan.path) == "/home/ada/.config/systemd/user/badgekeeper-agent.service"
    assert "Environment=" not in plan.content


def test_macos_plist_is_valid_and_escaped() -> None:
    """The LaunchAgent plist parses, runs serve with the right python, and keeps the home."""
    plan = plan_service("macos", python=PYTHON, env=ENV, user_home="/Users/ada", uid=501)
    assert str(plan.path) == "/Users/ada/Library/LaunchAgents/org.badgekeeper.agent.plist"
    parsed = plistlib.loads(plan.content.encode("utf-8"))
    assert parsed["Label"] == "org.badgekeeper.agent"
    assert parsed["ProgramArguments"] == [PYTHON, "-m", "agent.cli", "serve"]
    assert parsed["EnvironmentVariables"] == ENV
    assert parsed["RunAtLoad"] is True
    assert plan.install == (("launchctl", "bootstrap", "gui/501", str(plan.path)),)


def test_windows_task_xml_is_valid() -> None:
    """The scheduled task XML parses, starts at logon and runs serve."""
    plan = plan_service("windows", python=r"C:\Py & Co\python.exe", env={}, user_home=r"C:\U\ada")
    # Our own generated XML; ET wants it without its UTF-16 declaration.
    root = ET.fromstring(plan.content.split("\n", 1)[1])  # noqa: S314
    assert root.find("t:Triggers/t:LogonTrigger", NS) is not None
    assert root.findtext("t:Actions/t:Exec/t:Command", namespaces=NS) == r"C:\Py & Co\python.exe"
    assert root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=NS) == "-m agent.cli serve"
    assert plan.install[0][:4] == ("schtasks", "/Create", "/TN", "Badgekeeper Agent")
    assert str(plan.path).startswith("C:\\U\\ada\\AppData\\Local\\Badgekeeper\\")


def test_windows_task_passes_the_home_through_cmd() -> None:
    """With BADGEKEEPER_HOME set, the task sets it before starting python."""
    plan = plan_service("windows", python=r"C:\py.exe", env=ENV, user_home=r"C:\U\ada")
    root = ET.fromstring(plan.content.split("\n", 1)[1])  # noqa: S314
    arguments = root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=NS) or ""
    assert 'set "BADGEKEEPER_HOME=/home/ada/100% badges"' in arguments


def test_unknown_platform_is_a_typed_error() -> None:
    """A platform without a service manager we know is refused with a clear code."""
    with pytest.raises(BadgekeeperError):
        platform_of("sunos5")
    assert platform_of("linux") == "linux" and platform_of("darwin") == "macos"


@pytest.fixture
def no_systemctl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH without systemctl, XDG_CONFIG_HOME in a temp folder."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return config


def test_install_and_uninstall_on_linux_without_systemctl(no_systemctl: Path) -> None:
    """Install writes the unit and lists the commands to run; uninstall removes it."""
    plan = plan_service(
        "linux",
        python="/usr/bin/python3",
        env={"XDG_CONFIG_HOME": str(no_systemctl)},
        user_home="/nowhere",
    )
    report = install(plan)
    unit = no_systemctl / "systemd" / "user" / "badgekeeper-agent.service"
    assert report.wrote and unit.read_text(encoding="utf-8") == plan.content
    assert report.ran == [] and report.manual[0] == ["systemctl", "--user", "daemon-reload"]
    assert status(plan)["installed"] is True
    removed = uninstall(plan)
    assert removed.removed and not unit.exists()
    assert status(plan)["installed"] is False


def test_cli_dry_run_changes_nothing(
    no_systemctl: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`service install --dry-run --json` prints the plan and the file, writes nothing."""
    assert main(["service", "install", "--dry-run", "--json", "--platform", "linux"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dry_run"] is True and result["wrote"] is False
    assert "ExecStart=" in result["content"]
    assert not (no_systemctl / "systemd").exists()


def test_cli_install_status_uninstall_on_linux(
    no_systemctl: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commands write, report and remove the unit (no systemctl is ever run)."""
    if platform_of_here() != "linux":
        pytest.skip("installs for this machine's platform")
    assert main(["service", "install"]) == 0
    assert "Wrote" in capsys.readouterr().out
    assert main(["service", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["installed"] is True
    assert main(["service", "uninstall"]) == 0
    assert "Removed" in capsys.readouterr().out


def platform_of_here() -> str:
    import sys

    return "linux" if sys.platform.startswith("linux") else sys.platform
