"""``badgekeeper upload ID|--all [--to NAME] [--wait] [--json]``: queue uploads to backpacks.

Rules:
- Every command goes through the running agent, or (none running) the same handlers here.
- ``upload`` queues; ``--wait`` (and any run without an agent) drains the queue here and
  returns when every upload is delivered, failed for good, or waiting for a reconnect. One line
  per problem: failures with the same cause are reported together.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from agent.cli.output import fail, print_json, render_table
from agent.errors import BadgekeeperError, ErrorCode

if TYPE_CHECKING:
    from agent.client import MethodCaller

MAX_WAIT_STEP = 30.0
PAGE = 200


def register(subparsers: Any) -> None:
    upload = subparsers.add_parser(
        "upload",
        help="upload badges to your backpacks",
        description="Queue badges for upload to your default backpacks (or --to NAME). With "
        "--wait, return once each is delivered or has failed for good.",
    )
    which = upload.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", metavar="ID", help="the badge id (a unique prefix)")
    which.add_argument("--all", action="store_true", help="every valid badge")
    upload.add_argument("--to", metavar="NAME", help="this backpack instead of the defaults")
    upload.add_argument("--wait", action="store_true", help="wait until delivered or failed")
    upload.add_argument("--json", action="store_true", help="a JSON array of the uploads")
    upload.set_defaults(handler=run_upload)


def run_upload(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_upload(args))
    except BadgekeeperError as exc:
        return fail(exc)


async def _valid_ids(caller: MethodCaller) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"status": "valid", "limit": PAGE}
        if cursor:
            params["cursor"] = cursor
        page = await caller.call("badge.list", params)
        ids += [badge["id"] for badge in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


async def _upload(args: argparse.Namespace) -> int:
    from agent.client import connect_or_local  # the client pulls in websockets

    async with connect_or_local() as caller:
        ids = await _valid_ids(caller) if args.all else [args.id]
        queued: list[dict[str, Any]] = []
        skipped = 0
        refused: dict[tuple[ErrorCode, str], int] = defaultdict(int)
        for badge_id in ids:
            params = {"id": badge_id, **({"backpack": args.to} if args.to else {})}
            try:
                queued += (await caller.call("badge.upload", params))["uploads"]
            except BadgekeeperError as exc:
                if not args.all:
                    raise
                skipped += 1
                if exc.code is not ErrorCode.BACKPACK_UNSUPPORTED_BADGE:
                    refused[(exc.code, exc.message)] += 1
        for (code, message), count in refused.items():  # one line per cause, not per badge
            fail(BadgekeeperError(code, f"{count} badge(s) not queued: {message}"))
        from agent.client import AgentClient

        local = not isinstance(caller, AgentClient)
        if args.wait or local:
            uploads, blocked = await _drain_until_settled(caller, queued, once=not args.wait)
        else:
            uploads, blocked = queued, {}
    return _report_uploads(uploads, blocked, args, skipped, waited=args.wait or local)


async def _drain_until_settled(
    caller: MethodCaller, queued: list[dict[str, Any]], *, once: bool
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Drain our uploads until none is left to try now (or once, without --wait)."""
    pairs = {(u["badge_id"], u["backpack"]) for u in queued}
    ids = sorted({badge_id for badge_id, _ in pairs})
    blocked: dict[str, Any] = {}
    while True:
        report = await caller.call("upload.drain", {"ids": ids})
        blocked.update(report["blocked"])
        current = await _current(caller, pairs)
        waiting = [
            u
            for u in current
            if u["state"] in ("queued", "uploading") and u["backpack"] not in blocked
        ]
        if once or not waiting:
            return current, blocked
        times = [_parse(u.get("next_attempt_at")) for u in waiting]
        due = min((when for when in times if when is not None), default=None)
        pause = 0.5 if due is None else (due - datetime.now(timezone.utc)).total_seconds()
        if sys.stderr.isatty():
            print(f"\r{len(waiting)} upload(s) waiting to retry…\x1b[K", end="", file=sys.stderr)
        await asyncio.sleep(min(max(pause, 0.1), MAX_WAIT_STEP))


async def _current(caller: MethodCaller, pairs: set[tuple[str, str]]) -> list[dict[str, Any]]:
    current = []
    for badge_id in sorted({badge_id for badge_id, _ in pairs}):
        got = await caller.call("badge.get", {"id": badge_id})
        current += [
            {"badge_id": badge_id, "name": got["badge"]["name"], **u}
            for u in got["uploads"]
            if (badge_id, u["backpack"]) in pairs
        ]
    return current


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _report_uploads(
    uploads: list[dict[str, Any]],
    blocked: dict[str, Any],
    args: argparse.Namespace,
    skipped: int,
    *,
    waited: bool,
) -> int:
    if args.json:
        print_json(uploads)
    elif uploads:
        rows = [
            (u["badge_id"], u["backpack"], u["state"], u.get("public_url") or "—") for u in uploads
        ]
        print(render_table(("badge", "backpack", "state", "public page"), rows))
    elif not args.json:
        print("Nothing to upload.")
    if skipped and not args.json:
        print(f"{skipped} badge(s) skipped: no chosen backpack takes them.")
    problems: dict[str, list[str]] = defaultdict(list)
    for upload in uploads:
        if upload["state"] == "failed" or (waited and upload["state"] == "queued"):
            reason = (
                blocked.get(upload["backpack"], {}).get("message")
                or upload.get("last_error")
                or "it is still queued"
            )
            problems[reason].append(upload["badge_id"])
    for reason, badge_ids in problems.items():
        count = "1 upload" if len(badge_ids) == 1 else f"{len(badge_ids)} uploads"
        fail(f"{count} not delivered ({', '.join(badge_ids[:5])}): {reason}")
    if not waited and not args.json and uploads:
        print("Queued: the agent uploads them in the background (use --wait to wait).")
    return 1 if problems else 0
