"""``badgekeeper sync``: re-verify what is due, drain uploads, pull backpacks, now.

Runs in the agent when one runs (its progress arrives as ``sync.progress`` events), else in
this process on the same library. Heavy imports stay inside the handler: start-up time matters.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from agent.cli.output import end_progress, fail, print_json, progress
from agent.errors import BadgekeeperError, ErrorCode

BAR_WIDTH = 24


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="re-check saved badges, deliver queued uploads, pull backpacks",
        description="Re-verify the badges that are due (all of them with --force), try the "
        "queued uploads, and save the badges your connected backpacks hold that the library "
        "lacks.",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--force", action="store_true", help="re-check every badge and retry every upload now"
    )
    parser.set_defaults(handler=run_sync)


def show_progress(done: int, total: int, phase: str) -> None:
    """A one-line bar on standard error (only on a terminal)."""
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    progress(f"Sync {phase:<7} [{bar}] {done}/{total}")


def run_sync(args: argparse.Namespace) -> int:
    try:
        summary = asyncio.run(_sync(force=args.force))
    except BadgekeeperError as exc:
        end_progress()
        return fail(exc)
    end_progress()
    if args.json:
        print_json(summary)
    else:
        print(summary_text(summary))
    return 1 if summary.get("errors") else 0


def summary_text(summary: dict[str, Any]) -> str:
    lines = [
        f"Checked {summary['checked']} badge(s): {summary['changed']} changed, "
        f"{summary['unreachable']} could not reach the issuer (kept their last verdict).",
        f"Uploads delivered: {summary['uploads']}. Pulled from backpacks: {summary['pulled']}.",
    ]
    for where, error in sorted((summary.get("errors") or {}).items()):
        lines.append(f"  {where}: {error.get('message')} [{error.get('code')}]")
    return "\n".join(lines)


async def _sync(*, force: bool) -> dict[str, Any]:
    from agent.client import AgentClient

    try:
        client = await AgentClient.connect(None, timeout=5.0)
    except BadgekeeperError as exc:
        if exc.code is not ErrorCode.AGENT_UNAVAILABLE:
            raise
        return await _sync_here(force=force)
    async with client:
        stream = client.events()
        watcher = asyncio.create_task(_watch(stream))
        try:
            result: dict[str, Any] = await client.call("sync.run", {"force": force})
        finally:
            stream.close()
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        return result


async def _watch(stream: Any) -> None:
    async for event, params in stream:
        if event == "sync.progress" and sys.stderr.isatty():
            show_progress(int(params["done"]), int(params["total"]), str(params["phase"]))


async def _sync_here(*, force: bool) -> dict[str, Any]:
    from agent.paths import resolve_paths
    from agent.server.services import open_services
    from agent.sync import engine_for

    async with open_services(resolve_paths()) as services:
        summary = await engine_for(services).run(force=force, progress=show_progress)
        return summary.to_json()
