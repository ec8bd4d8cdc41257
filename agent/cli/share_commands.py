"""``badgekeeper share`` and ``badgekeeper collections export``.

Rules:
- ``share ID --json`` prints one object: ``url`` (the public address shared) and one key per
  target (``linkedin``, ``linkedin-post``, ``x``, ``facebook``, ``email``) holding its link;
  with ``--to`` only that target's. That is DESIGN.md's contract: nothing else goes in it.
- ``collections export`` adds itself to the ``collections`` group another module made; with
  neither ``--zip`` nor ``--html`` it writes ``<collection name>.zip`` here.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

from agent.cli.output import call, call_many, fail, print_json
from agent.errors import BadgekeeperError
from agent.share import TARGETS

TARGET_LABELS = {
    "linkedin": "LinkedIn profile",
    "linkedin-post": "LinkedIn post",
    "x": "X (Twitter)",
    "facebook": "Facebook",
    "email": "E-mail",
}
FIELD_LABELS = {
    "name": "Name",
    "organization": "Issuing organization",
    "issue_date": "Issue date",
    "expiration_date": "Expiration date",
    "credential_id": "Credential ID",
    "credential_url": "Credential URL",
}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def register(subparsers: Any) -> None:
    share = subparsers.add_parser(
        "share",
        help="links to share a badge on LinkedIn, X, Facebook or by e-mail",
        description="Print share links for a saved badge. The address shared is its page at "
        "your backpack once uploaded, else the issuer's public copy of it.",
    )
    share.add_argument("id", metavar="ID", help="the badge id (a unique prefix is enough)")
    share.add_argument("--to", choices=TARGETS, help="only the link for this target")
    share.add_argument("--json", action="store_true", help="one object: url and a link per target")
    share.set_defaults(handler=run_share)


def register_collection_export(actions: Any) -> None:
    """``collections export``: added to the ``collections`` group by settings_commands."""
    export = actions.add_parser(
        "export",
        help="write a collection as a zip, or as a static web page",
        description="Write the collection's baked badges and index.json to a zip (--zip), and/or "
        "a folder with index.html and the images that you can host anywhere (--html).",
    )
    export.add_argument("id", type=int, metavar="ID", help="the collection id")
    export.add_argument("--zip", metavar="PATH", help="the zip file to write")
    export.add_argument("--html", metavar="DIR", help="the folder for the page (new or empty)")
    export.add_argument(
        "--base-url",
        metavar="URL",
        help="where the page will be hosted, so link previews (Open Graph, X cards) work",
    )
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=run_collection_export)


def run_share(args: argparse.Namespace) -> int:
    params = {"id": args.id, **({"target": args.to} if args.to else {})}
    try:
        result = call("badge.share", params)
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        print_json({"url": result["url"], **result["links"]})
        return 0
    status = result.get("status")
    if status and status != "valid":
        print(
            f"Note: this badge is {status}; whoever follows the link will see that.",
            file=sys.stderr,
        )
    print(f"Public address  {result['url']}\n")
    width = max(len(TARGET_LABELS[name]) for name in result["links"])
    for name, link in result["links"].items():
        print(f"{TARGET_LABELS[name].ljust(width)}  {link}")
    if args.to in (None, "linkedin"):
        print("\nIf LinkedIn does not fill the form in, copy these into it:")
        width = max(len(label) for label in FIELD_LABELS.values())
        for key, label in FIELD_LABELS.items():
            print(f"  {label.ljust(width)}  {result['fields'].get(key) or '—'}")
    return 0


def run_collection_export(args: argparse.Namespace) -> int:
    calls: list[dict[str, Any]] = []
    try:
        if args.html:
            html: dict[str, Any] = {"path": str(Path(args.html).absolute()), "format": "html"}
            if args.base_url:
                html["base_url"] = args.base_url
            calls.append(html)
        elif args.base_url:
            print(
                "badgekeeper: --base-url is for the page; give --html DIR with it", file=sys.stderr
            )
            return 2
        if args.zip or not args.html:
            calls.insert(0, {"path": str(_zip_target(args)), "format": "zip"})
        results = asyncio.run(
            call_many([("collections.export", {"id": args.id, **params}) for params in calls])
        )
    except BadgekeeperError as exc:
        return fail(exc)
    for result in results:
        if args.json:
            print_json(result)
        else:
            what = "page" if result["format"] == "html" else "zip"
            badges = "1 badge" if result["count"] == 1 else f"{result['count']} badges"
            print(f"Wrote the {what} of {badges} to {result['path']}")
    return 0


def _zip_target(args: argparse.Namespace) -> Path:
    if args.zip:
        target = Path(args.zip).absolute()
    else:
        collection = call("collections.list")["collections"]
        name = next((c["name"] for c in collection if c["id"] == args.id), "") or "collection"
        target = Path(f"{_slug(name)}.zip").absolute()
    if target.is_dir():
        target = target / "collection.zip"
    elif target.suffix.lower() != ".zip":
        target = target.with_suffix(target.suffix + ".zip")
    return target


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:60].strip("-") or "collection"
