"""``badgekeeper install``, ``uninstall`` and ``doctor``: register the native host with browsers.

Exit codes: 0 done (doctor: nothing needs fixing), 1 something failed or needs fixing, 2 a
usage error (an unknown browser, ``--user-data-dir`` with Firefox, a malformed id).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from agent.errors import BadgekeeperError, ErrorCode
from agent.install.apply import apply_plan, describe
from agent.install.browsers import BROWSER_KEYS, BROWSERS
from agent.install.detect import detect_browsers
from agent.install.doctor import diagnose, render
from agent.install.extension_ids import ExtensionIds, builtin_ids, classify_extension_id
from agent.install.locations import current_platform
from agent.install.plan import (
    InstallContext,
    InstallRequest,
    Plan,
    plan_install,
    plan_uninstall,
    record_path,
)
from agent.install.probe import ProbeResult, probe_host
from agent.install.record import InstallRecord, read_record
from agent.paths import resolve_paths


def register(subparsers: Any) -> None:
    for name, help_text in (
        ("install", "register the native host with your browsers"),
        ("uninstall", "take back everything `install` registered"),
    ):
        parser = subparsers.add_parser(name, help=help_text, description=help_text.capitalize())
        parser.add_argument(
            "--browser",
            action="append",
            choices=BROWSER_KEYS,
            help="a browser to register for (repeatable; default: every browser found)",
        )
        parser.add_argument(
            "--user-data-dir",
            metavar="DIR",
            help="for a Chromium-family browser started with --user-data-dir=DIR",
        )
        parser.add_argument(
            "--system", action="store_true", help="for every user of this machine (needs root)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would change, change nothing"
        )
        parser.add_argument(
            "--extension-id",
            action="append",
            default=[],
            metavar="ID",
            help="also allow this extension (a store id, or a Firefox add-on id); repeatable",
        )
        parser.set_defaults(handler=run_install if name == "install" else run_uninstall)
    doctor = subparsers.add_parser(
        "doctor",
        help="say what is registered where, what is missing, and how to fix it",
        description="Check the native host's registration with every browser found.",
    )
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.add_argument(
        "--no-probe",
        action="store_true",
        help="do not run the host to check it reaches the agent (which may start the agent)",
    )
    doctor.set_defaults(handler=run_doctor)


def install_context(environ: dict[str, str] | None = None) -> InstallContext:
    """This machine, this user, this Python: what ``install`` plans for."""
    env = dict(os.environ if environ is None else environ)
    return InstallContext(
        platform=current_platform(sys.platform),
        home=Path.home(),
        env=env,
        data_dir=resolve_paths(env).data,
        python=sys.executable,
        builtin_ids=builtin_ids(),
    )


def _request(args: argparse.Namespace) -> InstallRequest:
    extra = ExtensionIds((), ())
    for value in args.extension_id:
        extra = extra.merged(classify_extension_id(value))
    folder = Path(args.user_data_dir).expanduser().absolute() if args.user_data_dir else None
    if folder is not None and args.system:
        raise BadgekeeperError(
            ErrorCode.INVALID_ARGUMENT, "Use --user-data-dir or --system, not both."
        )
    return InstallRequest(tuple(args.browser or ()), args.system, folder, extra)


def _fail(exc: BadgekeeperError) -> int:
    print(f"error: {exc.message}", file=sys.stderr)
    return 2 if exc.code is ErrorCode.INVALID_ARGUMENT else 1


def _print_plan(plan: Plan, verb: str) -> None:
    for note in plan.notes:
        print(note)
    for operation in plan.operations:
        print(f"{verb} {describe(operation)}")
    if plan.record is not None:
        print(f"{verb} write {plan.record_path}")
    elif plan.previous is not None:
        print(f"{verb} remove {plan.record_path}")


def run_install(args: argparse.Namespace) -> int:
    try:
        context = install_context()
        request = _request(args)
        installs = detect_browsers(context.platform, home=context.home, env=context.env)
        previous = read_record(record_path(context, system=request.system))
        plan = plan_install(context, request, installs, previous)
        if args.dry_run:
            _print_plan(plan, "would")
            return 0
        outcome = apply_plan(plan, system=request.system)
    except BadgekeeperError as exc:
        return _fail(exc)
    assert plan.record is not None
    for registration in plan.changed:
        name = BROWSERS[registration.browser].name
        variant = "" if registration.variant == "native" else f" ({registration.variant})"
        print(f"Registered for {name}{variant}: {registration.target}")
    print(f"Launcher: {plan.record.launcher}")
    for line in outcome.left_alone:
        print(f"Left alone: {line}")
    print("Check it with `badgekeeper doctor`.")
    return 0


def run_uninstall(args: argparse.Namespace) -> int:
    try:
        context = install_context()
        request = _request(args)
        previous = read_record(record_path(context, system=request.system))
        plan = plan_uninstall(context, request, previous)
        if args.dry_run:
            _print_plan(plan, "would")
            return 0
        outcome = apply_plan(plan, system=request.system)
    except BadgekeeperError as exc:
        return _fail(exc)
    for note in plan.notes:
        print(note)
    for line in outcome.done:
        verb, _, what = line.partition(" ")
        print(f"{'Removed' if verb == 'remove' else 'Updated'}: {what}")
    for line in outcome.left_alone:
        print(f"Left alone: {line}")
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    try:
        context = install_context()
        records: dict[str, InstallRecord | None] = {}
        for system in (False, True):
            path = record_path(context, system=system)
            records[str(path)] = read_record(path)
    except BadgekeeperError as exc:
        return _fail(exc)
    installs = detect_browsers(context.platform, home=context.home, env=context.env)
    origin = f"chrome-extension://{context.builtin_ids.chrome[0]}/"

    def probe(record: InstallRecord) -> ProbeResult:
        return probe_host([record.launcher, origin])

    report = diagnose(
        records,
        installs,
        context.builtin_ids,
        home=context.home,
        probe=None if args.no_probe else probe,
    )
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render(report))
    return 0 if report.ok else 1
