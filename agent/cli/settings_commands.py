"""``badgekeeper emails …`` and ``badgekeeper collections …``."""

from __future__ import annotations

import argparse
from typing import Any

from agent.cli.output import call, fail, print_json, render_table
from agent.cli.share_commands import register_collection_export
from agent.errors import BadgekeeperError


def register(subparsers: Any) -> None:
    emails = subparsers.add_parser(
        "emails", help="your e-mail addresses (recipients are checked against them)"
    )
    email_actions = emails.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, helptext in (("add", "add an address"), ("remove", "remove an address")):
        action = email_actions.add_parser(name, help=helptext)
        action.add_argument("address")
        action.add_argument("--json", action="store_true")
        action.set_defaults(handler=run_emails)
    listing = email_actions.add_parser("list", help="list your addresses")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_emails)

    collections = subparsers.add_parser("collections", help="group badges into collections")
    actions = collections.add_subparsers(dest="action", metavar="ACTION", required=True)
    specs: tuple[tuple[str, str, tuple[tuple[str, type], ...]], ...] = (
        ("list", "list collections", ()),
        ("create", "create a collection", (("name", str),)),
        ("rename", "rename a collection", (("id", int), ("name", str))),
        ("move", "move a collection to a position", (("id", int), ("position", int))),
        ("delete", "delete a collection (its badges stay)", (("id", int),)),
        ("add", "add a badge to a collection", (("id", int), ("badge_id", str))),
        ("remove", "remove a badge from a collection", (("id", int), ("badge_id", str))),
    )
    for name, helptext, arguments in specs:
        action = actions.add_parser(name, help=helptext)
        for argument, kind in arguments:
            action.add_argument(argument, type=kind)
        action.add_argument("--json", action="store_true")
        action.set_defaults(handler=run_collections, fields=[a for a, _ in arguments])
    register_collection_export(actions)


def run_emails(args: argparse.Namespace) -> int:
    params = {"address": args.address} if args.action in ("add", "remove") else None
    try:
        result = call(f"emails.{args.action}", params)
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        print_json(result)
        return 0
    addresses = result["emails"]
    if not addresses:
        print("No addresses yet. Add the ones badges are issued to: badgekeeper emails add ADDR")
    for address in addresses:
        print(address)
    return 0


def run_collections(args: argparse.Namespace) -> int:
    params = {field: getattr(args, field) for field in args.fields} or None
    try:
        result = call(f"collections.{args.action}", params)
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        print_json(result)
        return 0
    collections = result.get("collections")
    if collections is None:
        changed = result.get("collection")
        if changed is None:
            print("Done.")
        elif args.action == "create":
            print(f"Created collection {changed['id']}: {changed['name']}")
        else:
            print(
                f"Collection {changed['id']} ({changed['name']}): {len(changed['badges'])} badges"
            )
        return 0
    if not collections:
        print("No collections yet. Create one: badgekeeper collections create NAME")
        return 0
    rows = [(str(c["id"]), c["name"], str(len(c["badges"]))) for c in collections]
    print(render_table(("id", "name", "badges"), rows))
    return 0
