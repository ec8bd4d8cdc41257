"""Carrying out a service plan: write or remove the file, run the platform's commands.

Rules:
- ``dry_run`` touches nothing and runs nothing: it reports what would happen.
- The commands run only when the plan's tool is on PATH; without it the file is still written
  (or removed) and the report says what to run by hand.
- Files are written atomically, readable by the user only where that makes sense (0644: the
  service manager reads them; they hold no secret).
- Command failures are reported (exit code and the first line of their output), never raised
  as anything but a ``BadgekeeperError``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import BadgekeeperError, ErrorCode
from agent.service_install.plan import ServicePlan

COMMAND_TIMEOUT = 30.0


@dataclass
class ServiceReport:
    """What was (or would be) done."""

    action: str
    plan: ServicePlan
    dry_run: bool
    wrote: bool = False
    removed: bool = False
    ran: list[dict[str, Any]] = field(default_factory=list)
    manual: list[list[str]] = field(default_factory=list)  # commands to run by hand

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "dry_run": self.dry_run,
            "wrote": self.wrote,
            "removed": self.removed,
            "ran": self.ran,
            "manual": self.manual,
            **self.plan.to_json(),
        }


def _run(command: tuple[str, ...]) -> dict[str, Any]:
    try:
        done = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return {"command": list(command), "exit": None, "output": str(exc)[:200]}
    output = (done.stdout or done.stderr or "").strip().splitlines()
    return {
        "command": list(command),
        "exit": done.returncode,
        "output": output[0] if output else "",
    }


def _commands(
    plan: ServicePlan, commands: tuple[tuple[str, ...], ...], report: ServiceReport
) -> None:
    if report.dry_run or shutil.which(plan.tool) is None:
        report.manual = [list(c) for c in commands]
        return
    report.ran = [_run(command) for command in commands]


def install(plan: ServicePlan, *, dry_run: bool = False) -> ServiceReport:
    report = ServiceReport("install", plan, dry_run)
    if not dry_run:
        path = Path(plan.path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(path.name + ".tmp")
            encoding = "utf-16" if plan.platform == "windows" else "utf-8"
            temp.write_text(plan.content, encoding=encoding)
            os.replace(temp, path)
        except OSError as exc:
            raise BadgekeeperError(
                ErrorCode.INTERNAL_ERROR,
                f"Could not write {path} ({exc.strerror or exc}); check that folder's "
                "permissions, or run the service by hand with `badgekeeper serve`.",
            ) from exc
        report.wrote = True
    _commands(plan, plan.install, report)
    return report


def uninstall(plan: ServicePlan, *, dry_run: bool = False) -> ServiceReport:
    report = ServiceReport("uninstall", plan, dry_run)
    _commands(plan, plan.uninstall, report)
    if not dry_run:
        path = Path(plan.path)
        try:
            path.unlink()
            report.removed = True
        except FileNotFoundError:
            report.removed = False
        except OSError as exc:
            raise BadgekeeperError(
                ErrorCode.INTERNAL_ERROR,
                f"Could not remove {path} ({exc.strerror or exc}); remove it by hand.",
            ) from exc
    return report


def status(plan: ServicePlan) -> dict[str, Any]:
    """Whether the file is there and, when the tool is, what it says."""
    installed = Path(plan.path).exists()
    answer: dict[str, Any] = {**plan.to_json(), "installed": installed, "state": None}
    if installed and shutil.which(plan.tool) is not None:
        answer["state"] = _run(plan.status)
    return answer
