"""``badgekeeper demo``: the whole job end to end against a sandbox issuer and backpack.

Sample badges are issued and verified (the verdict table), then a real agent saves them,
connects the sandbox backpack through the real OAuth flow, uploads the valid ones, fills a
collection, and the library is printed with verdicts, upload states and share links.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from agent.errors import BadgekeeperError
from agent.paths import ensure_private_dir, resolve_paths


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="the whole flow on sample badges: issue, verify, save, connect, upload, share",
        description="Start a sandbox issuer and backpack on loopback, issue sample Open Badges "
        "2.0 and 3.0 badges (valid, revoked, expired, tampered), verify them, save them through "
        "a real agent, connect the backpack with OAuth, upload the valid ones and make a "
        "collection.",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--out", metavar="DIR", help="where to write the sample badges (default: in the home)"
    )
    parser.set_defaults(handler=run_demo_command)


def run_demo_command(args: argparse.Namespace) -> int:
    from agent.sandbox.demo import Sample, render_library, render_verdicts, run_demo

    paths = resolve_paths()
    folder = Path(args.out) if args.out else ensure_private_dir(paths.data) / "demo"
    folder.mkdir(parents=True, exist_ok=True)

    def say(line: str) -> None:
        if not args.json:
            print(f"  • {line}", flush=True)

    def verified(rows: list[tuple[Sample, dict[str, Any]]]) -> None:
        if not args.json:
            print(render_verdicts(rows))
            print("\n2. A real agent saves them, connects the sandbox backpack and uploads:")

    if not args.json:
        print(f"Badgekeeper demo (home {paths.data.parent}, sample badges in {folder})\n")
        print("1. A sandbox issuer issues sample badges; `badgekeeper verify` judges them:\n")
    try:
        report = asyncio.run(run_demo(folder, say, verified))
    except BadgekeeperError as exc:
        print(f"badgekeeper demo: {exc.message} [{exc.code.name}]")
        return 1
    agent = report.agent
    if args.json:
        for sample, verdict in report.verdicts:
            print(json.dumps({"sample": sample.name, "expected": sample.expected, **verdict}))
        summary = {
            "library": agent.library,
            "backpacks": agent.backpacks,
            "collection": agent.collection,
            "shares": agent.shares,
        }
        print(json.dumps(summary))
        return 0 if report.ok else 1
    print(f"  • The consent page was {agent.authorization_url.split('?')[0]}")
    print("\n3. The library (verdicts, upload states, public pages):\n")
    print(render_library(agent.library))
    if agent.collection is not None:
        print(f"\n   Collection at the backpack: {agent.collection['share_url']}")
    if agent.shares:
        print("\n4. Share links (badge.share), for the uploaded badges:")
        for badge_id, share in agent.shares.items():
            print(f"   {badge_id}: {share['url']}")
        first = next(iter(agent.shares.values()))
        for target, link in first["links"].items():
            print(f"     {target:<13} {link[:110]}{'…' if len(link) > 110 else ''}")
    elif not agent.share_available:
        print("\n4. Share links: this agent has no badge.share method yet.")
    delivered = sum(u["state"] == "done" for b in agent.library for u in b["uploads"])
    print()
    if report.ok:
        print(f"Every verdict is what the specification expects; {delivered} uploads delivered.")
    else:
        print("Something differs from what was expected (marked ✗ above, or an upload failed).")
    return 0 if report.ok else 1
