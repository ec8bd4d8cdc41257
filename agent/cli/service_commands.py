"""``badgekeeper service install|uninstall|status``: sync while the browser is closed.

Installs a per-user service that runs ``badgekeeper serve`` (systemd user unit, launchd
LaunchAgent, Windows scheduled task at logon). ``--dry-run`` prints the plan and the file
without touching anything. Heavy imports stay inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from agent.cli.output import fail, print_json
from agent.errors import BadgekeeperError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "service",
        help="run the agent as a per-user service (sync while the browser is closed)",
        description="Install, remove or inspect the per-user service that keeps the agent "
        "running: a systemd user unit (Linux), a LaunchAgent (macOS) or a scheduled task "
        "(Windows).",
    )
    actions = parser.add_subparsers(dest="service_action", metavar="ACTION", required=True)
    for name, text in (
        ("install", "write the service file and enable it"),
        ("uninstall", "disable the service and remove its file"),
        ("status", "say whether the service is installed and running"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument("--json", action="store_true", help="print the result as JSON")
        action.add_argument(
            "--platform",
            choices=["linux", "macos", "windows"],
            help="plan for this platform instead of this machine's (with --dry-run)",
        )
        if name != "status":
            action.add_argument(
                "--dry-run", action="store_true", help="print what would be done; change nothing"
            )
        action.set_defaults(handler=run_service)


def run_service(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from agent import service_install
    from agent.service_install.plan import current_uid

    try:
        platform = service_install.platform_of(args.platform or sys.platform)
        plan = service_install.plan_service(
            platform,
            python=sys.executable,
            env=os.environ,
            user_home=str(Path.home()),
            uid=current_uid(),
        )
        dry_run = bool(getattr(args, "dry_run", False))
        if args.platform and args.platform != service_install.platform_of(sys.platform):
            dry_run = True  # another platform's plan is only ever shown
        if args.service_action == "status":
            result = service_install.status(plan)
        elif args.service_action == "install":
            result = service_install.install(plan, dry_run=dry_run).to_json()
        else:
            result = service_install.uninstall(plan, dry_run=dry_run).to_json()
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        if dry_run:
            result["content"] = plan.content
        print_json(result)
        return 0
    print(_describe(result, plan.content if dry_run else None))
    return 0


def _describe(result: dict[str, Any], content: str | None) -> str:
    lines: list[str] = []
    action = result.get("action")
    if action is None:
        state = result.get("state")
        running = state is not None and state.get("exit") == 0
        lines.append(
            f"Service file {result['path']}: "
            f"{'installed' if result['installed'] else 'not installed'}"
            + (f"; {'running' if running else 'not running'}" if state is not None else "")
        )
        return "\n".join(lines)
    verb = "Would write" if result["dry_run"] else "Wrote"
    if action == "install":
        lines.append(f"{verb} {result['path']}")
    else:
        gone = "Would remove" if result["dry_run"] else ("Removed" if result["removed"] else "No")
        lines.append(f"{gone} {result['path']}")
    for ran in result["ran"]:
        lines.append(f"Ran {' '.join(ran['command'])}: exit {ran['exit']} {ran['output']}".rstrip())
    if result["manual"]:
        lines.append("Run:" if not result["dry_run"] else "Would run:")
        lines += ["  " + " ".join(command) for command in result["manual"]]
    if content is not None:
        lines += ["", content.rstrip()]
    return "\n".join(lines)
