"""``badgekeeper demo``: the whole flow on sample badges, against a local issuer it starts."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from agent.paths import ensure_private_dir, resolve_paths


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="issue sample badges from a local issuer and verify them",
        description="Start a local issuer on loopback, issue sample Open Badges 2.0 and 3.0 "
        "badges (valid, revoked, expired, tampered), and verify them with badgekeeper verify.",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--out", metavar="DIR", help="where to write the sample badges (default: in the home)"
    )
    parser.set_defaults(handler=run_demo_command)


def run_demo_command(args: argparse.Namespace) -> int:
    from agent.sandbox.demo import render_verdicts, run_demo

    folder = Path(args.out) if args.out else ensure_private_dir(resolve_paths().data) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    rows, base_url = asyncio.run(run_demo(folder))
    ok = all(verdict["status"] == sample.expected for sample, verdict in rows)
    if args.json:
        for sample, verdict in rows:
            print(json.dumps({"sample": sample.name, "expected": sample.expected, **verdict}))
    else:
        print(f"Local issuer: {base_url}   sample badges: {folder}\n")
        print(render_verdicts(rows))
        print()
        print(
            "Every verdict is what the specification expects."
            if ok
            else "Some verdicts differ from what the specification expects (marked ✗)."
        )
    return 0 if ok else 1
