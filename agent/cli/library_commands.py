"""``badgekeeper save|list|show|delete|export``: the library, through the agent when it runs.

Rules:
- Each command talks to the running agent, or (none running) calls the same handlers on the
  same library in this process; both may write at once safely.
- ``save`` exits 0 only once the badge is durably in the library.
- ``list --json`` prints one JSON array of every matching badge (paged internally).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from pathlib import Path
from typing import Any

from agent.cli.output import call, call_many, end_progress, fail, print_json, progress, render_table
from agent.errors import BadgekeeperError, ErrorCode
from agent.paths import resolve_paths

MAX_SAVE_BYTES = 32 * 1024 * 1024
PAGE = 200
STATUS_MARKS = {
    "valid": "✓ valid",
    "invalid": "✗ invalid",
    "revoked": "✗ revoked",
    "expired": "! expired",
    "error": "? error",
}


def register(subparsers: Any) -> None:
    save = subparsers.add_parser(
        "save",
        help="save badges (files or links) into your library",
        description="Verify and save badges: baked PNG/SVG, JSON, token files, or links.",
    )
    save.add_argument("sources", nargs="+", metavar="FILE|URL")
    save.add_argument("--page-url", help="the page the badge came from")
    save.add_argument("--subject", help="the subject of the mail it came in")
    save.add_argument("--sender", help="the sender of that mail")
    save.add_argument("--json", action="store_true", help="one JSON object per source per line")
    save.set_defaults(handler=run_save)

    listing = subparsers.add_parser("list", help="list the badges in your library")
    listing.add_argument("--status", choices=sorted(STATUS_MARKS), action="append")
    listing.add_argument("--search", metavar="TEXT", help="words in name, issuer, description")
    listing.add_argument("--collection", type=int, metavar="ID")
    listing.add_argument("--sort", choices=["saved_at", "name", "issued_on"], default="saved_at")
    listing.add_argument("--ascending", action="store_true")
    listing.add_argument("--limit", type=int, metavar="N", help="at most N badges")
    listing.add_argument("--json", action="store_true", help="a JSON array of badges")
    listing.set_defaults(handler=run_list)

    show = subparsers.add_parser("show", help="show one badge with its checks and history")
    show.add_argument("id", metavar="ID", help="the badge id (a unique prefix is enough)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)

    delete = subparsers.add_parser("delete", help="delete a badge from your library")
    delete.add_argument("id", metavar="ID")
    delete.add_argument("--json", action="store_true")
    delete.set_defaults(handler=run_delete)

    export = subparsers.add_parser(
        "export",
        help="export one badge as its baked image, or the library as a zip",
        description="With ID: write that badge's baked image. Without: write the whole library "
        "as a zip of baked images plus index.json.",
    )
    export.add_argument("id", nargs="?", metavar="ID")
    export.add_argument("-o", "--output", metavar="PATH", help="file (or folder) to write")
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=run_export)


def _save_params(source: str, args: argparse.Namespace) -> dict[str, Any]:
    meta = {"page_url": args.page_url, "mail_subject": args.subject, "mail_sender": args.sender}
    params: dict[str, Any] = {"source": {k: v for k, v in meta.items() if v}}
    if source.lower().startswith(("http://", "https://")):
        params["url"] = source
        if not args.page_url:
            params["source"]["image_url"] = source
        return params
    path = Path(source)
    with path.open("rb") as handle:
        data = handle.read(MAX_SAVE_BYTES + 1)
    if len(data) > MAX_SAVE_BYTES:
        raise BadgekeeperError(ErrorCode.PAYLOAD_TOO_LARGE)
    params["data"] = base64.b64encode(data).decode("ascii")
    return params


def run_save(args: argparse.Namespace) -> int:
    return asyncio.run(_save_all(args))


async def _save_all(args: argparse.Namespace) -> int:
    from agent.client import connect_or_local

    failures = 0
    async with connect_or_local() as caller:
        for index, source in enumerate(args.sources, start=1):
            if len(args.sources) > 1:
                progress(f"Saving {index} of {len(args.sources)}…")
            try:
                result = await caller.call("badge.save", _save_params(source, args))
            except OSError as exc:
                end_progress()
                failures += 1
                fail(f"cannot read {source}: {exc.strerror or exc} [SOURCE_UNREADABLE]")
                continue
            except BadgekeeperError as exc:
                end_progress()
                failures += 1
                fail(BadgekeeperError(exc.code, f"{source}: {exc.message}"))
                continue
            end_progress()
            if args.json:
                print_json({"source": source, **result})
            else:
                print(_saved_line(result))
    return 1 if failures else 0


def _saved_line(result: dict[str, Any]) -> str:
    badge = result["badge"]
    verb = "Saved" if result["created"] else "Already saved"
    line = f"{verb} {badge['id']}: {badge['name'] or '(no name)'} — {badge['status']}"
    for error in badge["errors"]:
        line += f"\n  [{error['code']}] {error['message']}"
    return line


def run_list(args: argparse.Namespace) -> int:
    params: dict[str, Any] = {"sort": args.sort, "descending": not args.ascending}
    if args.status:
        params["status"] = args.status
    if args.search:
        params["text"] = args.search
    if args.collection is not None:
        params["collection"] = args.collection
    try:
        items, total = asyncio.run(_list_all(params, args.limit))
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        print_json(items)
        return 0
    if not items:
        print(
            "No badges yet. Save one with `badgekeeper save FILE|URL`, or from your mail with "
            "the browser extension."
        )
        return 0
    rows = [
        (
            b["id"],
            STATUS_MARKS.get(b["status"], b["status"]),
            (b["name"] or "")[:40],
            (b["issuer"]["name"] or "")[:30],
            (b["issued_on"] or "")[:10],
            ", ".join(f"{u['backpack']}:{u['state']}" for u in b["uploads"]) or "—",
        )
        for b in items
    ]
    print(render_table(("id", "status", "badge", "issuer", "issued", "uploads"), rows))
    print(f"\n{len(items)} of {total} badges")
    return 0


async def _list_all(params: dict[str, Any], limit: int | None) -> tuple[list[Any], int]:
    from agent.client import connect_or_local

    items: list[Any] = []
    total = 0
    async with connect_or_local() as caller:
        while limit is None or len(items) < limit:
            want = PAGE if limit is None else min(PAGE, limit - len(items))
            page = await caller.call("badge.list", {**params, "limit": want, "offset": len(items)})
            items.extend(page["items"])
            total = page["total"]
            if not page["items"] or len(items) >= total:
                break
    return items, total


def run_show(args: argparse.Namespace) -> int:
    try:
        detail = call("badge.get", {"id": args.id})
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        print_json(detail)
        return 0
    badge = detail["badge"]
    issuer = badge["issuer"]
    lines = [
        f"{badge['name'] or '(no name)'}   [{badge['id']}]",
        f"  Status     {STATUS_MARKS.get(badge['status'], badge['status'])}"
        f" (checked {badge['checked_at'][:16].replace('T', ' ')})",
        f"  Issuer     {issuer['name'] or '(no name)'}  <{issuer['id'] or '?'}>",
        f"  Issued     {(badge['issued_on'] or '—')[:10]}"
        f"    Expires  {(badge['expires'] or '—')[:10]}",
        f"  Spec       {badge['spec'] or '?'} {badge['format'] or ''}".rstrip(),
        f"  Id         {badge['assertion_id'] or '—'}",
    ]
    if badge.get("unreachable"):
        lines.insert(2, f"  Sync       {badge['unreachable']['note']}")
    if badge["description"]:
        lines.append(f"  About      {badge['description']}")
    if badge["criteria"]:
        lines.append(f"  Criteria   {badge['criteria']}")
    for error in badge["errors"]:
        lines.append(f"  Problem    [{error['code']}] {error['message']}")
    for warning in badge["warnings"]:
        lines.append(f"  Note       [{warning['code']}] {warning['message']}")
    for source in detail["sources"]:
        pulled = source.get("backpack") and f"your backpack {source['backpack']}"
        where = source["mail_subject"] or pulled or source["page_url"] or source["image_url"] or "—"
        lines.append(f"  Saved      {source['saved_at'][:16].replace('T', ' ')}  from {where}")
    for upload in detail["uploads"]:
        lines.append(f"  Upload     {upload['backpack']}: {upload['state']}")
    for collection in badge["collections"]:
        lines.append(f"  Collection {collection['name']}")
    print("\n".join(lines))
    return 0


def run_delete(args: argparse.Namespace) -> int:
    try:
        result = call("badge.delete", {"id": args.id})
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        print_json(result)
    else:
        print(f"Deleted {args.id}.")
    return 0


def run_export(args: argparse.Namespace) -> int:
    try:
        if args.id is None:
            target = Path(args.output or "badgekeeper-library.zip").absolute()
            if target.is_dir():
                target = target / "badgekeeper-library.zip"
            elif target.suffix != ".zip":
                target = target.with_suffix(".zip")
            (result,) = asyncio.run(call_many([("library.export", {"path": str(target)})]))
            written = {"path": result["path"], "count": result["count"]}
        else:
            written = _export_one(args.id, args.output)
    except BadgekeeperError as exc:
        return fail(exc)
    except OSError as exc:
        return fail(f"cannot write the export: {exc.strerror or exc}")
    if args.json:
        print_json(written)
    elif "count" in written:
        print(f"Wrote {written['count']} badges to {written['path']}")
    else:
        print(f"Wrote {written['path']}")
    return 0


def _export_one(badge_id: str, output: str | None) -> dict[str, Any]:
    """One badge's baked image, read from the library directly (no size limit of the socket)."""
    from agent.library import Library

    with Library(resolve_paths()) as library:
        filename, data = library.export_badge(badge_id)
    target = Path(output) if output else Path(filename)
    if target.is_dir():
        target = target / filename
    temp = target.with_name(f".{target.name}.part")
    temp.write_bytes(data)
    temp.replace(target)
    return {"path": str(target), "bytes": len(data)}
