"""Plans for running the agent as a per-user service: pure functions, no I/O.

Rules:
- One plan per platform: a file (its path and text) and the commands that install, remove and
  query it. Linux: a systemd user unit; macOS: a launchd LaunchAgent; Windows: a scheduled task
  (at logon) from an XML file.
- The service runs ``<python> -m agent.cli serve`` (no idle exit: it is there to sync while the
  browser is closed), with ``BADGEKEEPER_HOME`` passed on when it is set.
- Every value put into a file is escaped for that file's syntax (systemd quoting and ``%``,
  XML); a path with spaces, quotes or ``&`` is kept intact.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Literal
from xml.sax.saxutils import escape

from agent.errors import BadgekeeperError, ErrorCode

Platform = Literal["linux", "macos", "windows"]

UNIT_NAME = "badgekeeper-agent.service"
LAUNCHD_LABEL = "org.badgekeeper.agent"
TASK_NAME = "Badgekeeper Agent"
SERVE_ARGS = ("-m", "agent.cli", "serve")


@dataclass(frozen=True)
class ServicePlan:
    """What installing, removing and querying the service means on one platform."""

    platform: Platform
    path: PurePath
    content: str
    install: tuple[tuple[str, ...], ...]
    uninstall: tuple[tuple[str, ...], ...]
    status: tuple[str, ...]
    tool: str  # the program the commands need; without it only the file is written

    def to_json(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "path": str(self.path),
            "install": [list(c) for c in self.install],
            "uninstall": [list(c) for c in self.uninstall],
            "status": list(self.status),
            "tool": self.tool,
        }


def platform_of(name: str) -> Platform:
    """``sys.platform`` (or a user's ``--platform``) as one of ours."""
    if name.startswith("linux"):
        return "linux"
    if name in ("darwin", "macos"):
        return "macos"
    if name in ("win32", "windows", "cygwin"):
        return "windows"
    raise BadgekeeperError(
        ErrorCode.INVALID_ARGUMENT,
        f"Badgekeeper cannot install a service on {name!r}; run `badgekeeper serve` instead.",
    )


def systemd_quote(value: str) -> str:
    """One word of a systemd ``ExecStart=``/``Environment=`` line, quoted; ``%`` doubled."""
    inner = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{inner}"'


def _home_env(env: Mapping[str, str]) -> str | None:
    home = env.get("BADGEKEEPER_HOME")
    return home if home else None


def systemd_unit(python: str, env: Mapping[str, str]) -> str:
    lines = [
        "[Unit]",
        "Description=Badgekeeper agent (keeps your Open Badges in sync)",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(systemd_quote(word) for word in (python, *SERVE_ARGS)),
        "Restart=on-failure",
        "RestartSec=30",
    ]
    home = _home_env(env)
    if home is not None:
        lines.append("Environment=" + systemd_quote(f"BADGEKEEPER_HOME={home}"))
    lines += ["", "[Install]", "WantedBy=default.target", ""]
    return "\n".join(lines)


def launchd_plist(python: str, env: Mapping[str, str], logs: str) -> str:
    args = "".join(f"\n    <string>{escape(word)}</string>" for word in (python, *SERVE_ARGS))
    home = _home_env(env)
    environment = (
        "\n  <key>EnvironmentVariables</key>\n  <dict>\n"
        f"    <key>BADGEKEEPER_HOME</key>\n    <string>{escape(home)}</string>\n  </dict>"
        if home is not None
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n<dict>\n'
        f"  <key>Label</key>\n  <string>{LAUNCHD_LABEL}</string>\n"
        f"  <key>ProgramArguments</key>\n  <array>{args}\n  </array>{environment}\n"
        "  <key>RunAtLoad</key>\n  <true/>\n"
        "  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n"
        "  </dict>\n"
        f"  <key>StandardErrorPath</key>\n  <string>{escape(logs)}</string>\n"
        "</dict>\n</plist>\n"
    )


def windows_task_xml(python: str, env: Mapping[str, str]) -> str:
    home = _home_env(env)
    # schtasks has no per-task environment: the home is passed as cmd's `set` before python.
    if home is not None:
        command = "cmd.exe"
        arguments = f'/c set "BADGEKEEPER_HOME={home}" && "{python}" {" ".join(SERVE_ARGS)}'
    else:
        command = python
        arguments = " ".join(SERVE_ARGS)
    return (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\n'
        "  <RegistrationInfo>\n"
        "    <Description>Badgekeeper agent (keeps your Open Badges in sync)</Description>\n"
        "  </RegistrationInfo>\n"
        "  <Triggers>\n    <LogonTrigger>\n      <Enabled>true</Enabled>\n"
        "    </LogonTrigger>\n  </Triggers>\n"
        '  <Principals>\n    <Principal id="Author">\n'
        "      <LogonType>InteractiveToken</LogonType>\n"
        "      <RunLevel>LeastPrivilege</RunLevel>\n    </Principal>\n  </Principals>\n"
        "  <Settings>\n"
        "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n"
        "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n"
        "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>\n"
        "    <RestartOnFailure>\n      <Interval>PT1M</Interval>\n      <Count>3</Count>\n"
        "    </RestartOnFailure>\n"
        "  </Settings>\n"
        '  <Actions Context="Author">\n    <Exec>\n'
        f"      <Command>{escape(command)}</Command>\n"
        f"      <Arguments>{escape(arguments)}</Arguments>\n"
        "    </Exec>\n  </Actions>\n</Task>\n"
    )


def plan_service(
    platform: Platform,
    *,
    python: str,
    env: Mapping[str, str],
    user_home: str,
    uid: int | None = None,
) -> ServicePlan:
    """The service plan for ``platform`` (paths from ``env`` and ``user_home``, never the OS)."""
    if platform == "linux":
        config = env.get("XDG_CONFIG_HOME") or str(PurePosixPath(user_home) / ".config")
        path = PurePosixPath(config) / "systemd" / "user" / UNIT_NAME
        ctl = ("systemctl", "--user")
        return ServicePlan(
            platform,
            path,
            systemd_unit(python, env),
            install=((*ctl, "daemon-reload"), (*ctl, "enable", "--now", UNIT_NAME)),
            uninstall=((*ctl, "disable", "--now", UNIT_NAME), (*ctl, "daemon-reload")),
            status=(*ctl, "is-active", UNIT_NAME),
            tool="systemctl",
        )
    if platform == "macos":
        base = PurePosixPath(user_home) / "Library"
        path = base / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
        logs = str(base / "Logs" / "Badgekeeper" / "agent-service.log")
        domain = f"gui/{uid if uid is not None else 501}"
        return ServicePlan(
            platform,
            path,
            launchd_plist(python, env, logs),
            install=(("launchctl", "bootstrap", domain, str(path)),),
            uninstall=(("launchctl", "bootout", f"{domain}/{LAUNCHD_LABEL}"),),
            status=("launchctl", "print", f"{domain}/{LAUNCHD_LABEL}"),
            tool="launchctl",
        )
    local = env.get("LOCALAPPDATA") or str(PureWindowsPath(user_home) / "AppData" / "Local")
    task_file = PureWindowsPath(local) / "Badgekeeper" / "badgekeeper-agent-task.xml"
    return ServicePlan(
        platform,
        task_file,
        windows_task_xml(python, env),
        install=(("schtasks", "/Create", "/TN", TASK_NAME, "/XML", str(task_file), "/F"),),
        uninstall=(("schtasks", "/Delete", "/TN", TASK_NAME, "/F"),),
        status=("schtasks", "/Query", "/TN", TASK_NAME),
        tool="schtasks",
    )


def current_uid() -> int | None:
    getuid = getattr(os, "getuid", None)
    return int(getuid()) if getuid is not None else None
