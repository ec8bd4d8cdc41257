"""``badgekeeper backpack …``: add, connect and manage backpacks (uploads: upload_command).

Rules:
- Every command goes through the running agent, or (none running) the same handlers here.
- A password is read from standard input (``--password-stdin``), never from the command line,
  and never printed. Nothing printed carries a token.
- ``backpack connect`` prints the authorization URL (and opens the browser unless
  ``--no-browser``), then waits for the loopback redirect.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import webbrowser
from typing import TYPE_CHECKING, Any

from agent.backpack.config import KINDS
from agent.cli.output import fail, print_json, render_table
from agent.errors import BadgekeeperError, ErrorCode

if TYPE_CHECKING:
    from agent.client import MethodCaller

CONNECT_WAIT = 600.0
WAIT_SLICE = 30
MAX_WAIT_STEP = 30.0
PAGE = 200


def register(subparsers: Any) -> None:
    backpack = subparsers.add_parser(
        "backpack",
        help="add, connect and manage the backpacks your badges are uploaded to",
        description="Backpacks are Open Badges hosting services (Badge Connect 2.1, the Open "
        "Badges 3.0 API, Badgr / Canvas Credentials v2).",
    )
    commands = backpack.add_subparsers(dest="backpack_command", metavar="ACTION", required=True)

    add = commands.add_parser("add", help="add a backpack")
    add.add_argument("name", metavar="NAME", help="a short name for it, such as 'badgr'")
    add.add_argument("--kind", choices=KINDS, required=True)
    add.add_argument("--url", required=True, metavar="BASE", help="the backpack's base URL")
    add.add_argument("--username", help="Badgr: the account's user name (its e-mail address)")
    add.add_argument(
        "--password-stdin", action="store_true", help="Badgr: read the password from stdin"
    )
    add.add_argument("--default", action="store_true", help="upload to it by default")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=run_add)

    listing = commands.add_parser("list", help="list your backpacks")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)

    connect = commands.add_parser("connect", help="connect a backpack in the browser (OAuth)")
    connect.add_argument("name", metavar="NAME")
    connect.add_argument(
        "--no-browser", action="store_true", help="print the address instead of opening it"
    )
    connect.add_argument("--timeout", type=float, default=CONNECT_WAIT, metavar="SECONDS")
    connect.add_argument("--json", action="store_true")
    connect.set_defaults(handler=run_connect)

    login = commands.add_parser("login", help="sign in to a Badgr backpack")
    login.add_argument("name", metavar="NAME")
    login.add_argument("--username", required=True)
    login.add_argument("--password-stdin", action="store_true", required=True)
    login.add_argument("--json", action="store_true")
    login.set_defaults(handler=run_login)

    for action, text in (
        ("disconnect", "revoke and forget the backpack's tokens (it stays in the list)"),
        ("remove", "disconnect and remove the backpack and its upload records"),
    ):
        command = commands.add_parser(action, help=text)
        command.add_argument("name", metavar="NAME")
        command.add_argument("--json", action="store_true")
        command.set_defaults(handler=run_disconnect if action == "disconnect" else run_remove)


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise BadgekeeperError(
            ErrorCode.INVALID_ARGUMENT, "No password came on standard input (--password-stdin)."
        )
    return password


async def _one(method: str, params: dict[str, Any]) -> Any:
    from agent.client import connect_or_local  # the client pulls in websockets

    async with connect_or_local() as caller:
        return await caller.call(method, params)


def _run(method: str, params: dict[str, Any]) -> Any:
    return asyncio.run(_one(method, params))


def _show_backpack(backpack: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        print_json(backpack)
        return
    account = f" as {backpack['account']}" if backpack.get("account") else ""
    print(f"Backpack {backpack['name']} ({backpack['kind_label']}) {verb}{account}.")


def run_add(args: argparse.Namespace) -> int:
    params: dict[str, Any] = {"name": args.name, "kind": args.kind, "url": args.url}
    if args.username:
        params["username"] = args.username
    if args.default:
        params["default"] = True
    try:
        if args.password_stdin:
            params["password"] = _read_password()
        backpack = _run("backpack.add", params)["backpack"]
    except BadgekeeperError as exc:
        return fail(exc)
    status = "added and connected" if backpack["status"] == "connected" else "added"
    _show_backpack(backpack, args.json, status)
    if not args.json and backpack["status"] != "connected":
        how = (
            f"badgekeeper backpack login {args.name} --username USER --password-stdin"
            if args.kind == "badgr"
            else f"badgekeeper backpack connect {args.name}"
        )
        print(f"Connect it with: {how}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    try:
        backpacks = _run("backpack.list", {})["backpacks"]
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        print_json(backpacks)
        return 0
    if not backpacks:
        print("No backpacks yet. Add one with `badgekeeper backpack add NAME --kind … --url …`.")
        return 0
    rows = [
        (
            b["name"] + (" *" if b["default"] else ""),
            b["kind"],
            b["status"].replace("_", " "),
            b.get("account") or "—",
            b["url"],
        )
        for b in backpacks
    ]
    print(render_table(("name", "kind", "status", "account", "url"), rows))
    print("* uploads go to the default backpacks unless --to names one")
    return 0


def run_connect(args: argparse.Namespace) -> int:
    try:
        backpack = asyncio.run(_connect(args))
    except BadgekeeperError as exc:
        return fail(exc)
    _show_backpack(backpack, args.json, "connected")
    return 0


async def _connect(args: argparse.Namespace) -> dict[str, Any]:
    from agent.client import connect_or_local  # the client pulls in websockets

    async with connect_or_local() as caller:
        started = await caller.call("backpack.connect", {"name": args.name})
        url = started["authorization_url"]
        opened = not args.no_browser and _open_browser(url)
        where = sys.stderr if args.json else sys.stdout
        if opened:
            print(
                f"Your browser was opened to approve Badgekeeper. If it was not:\n  {url}",
                file=where,
            )
        else:
            print(f"Open this address in your browser to connect {args.name}:\n  {url}", file=where)
        where.flush()
        print("Waiting for the approval…", file=sys.stderr, flush=True)
        return await _wait_connected(caller, args.name, args.timeout)


def _open_browser(url: str) -> bool:
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


async def _wait_connected(caller: MethodCaller, name: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + max(1.0, timeout)
    while True:
        left = int(max(1, min(WAIT_SLICE, deadline - time.monotonic())))
        backpack: dict[str, Any] = (
            await caller.call("backpack.wait", {"name": name, "timeout": left})
        )["backpack"]
        if backpack["status"] == "connected" and not backpack.get("connecting"):
            return backpack
        if not backpack.get("connecting") or time.monotonic() >= deadline:
            raise BadgekeeperError(
                ErrorCode.BACKPACK_AUTH_FAILED,
                f"No approval for {name!r} arrived in time. Run `badgekeeper backpack connect "
                f"{name}` to try again.",
            )


def run_login(args: argparse.Namespace) -> int:
    try:
        params = {"name": args.name, "username": args.username, "password": _read_password()}
        backpack = _run("backpack.login", params)["backpack"]
    except BadgekeeperError as exc:
        return fail(exc)
    _show_backpack(backpack, args.json, "connected")
    return 0


def run_disconnect(args: argparse.Namespace) -> int:
    try:
        backpack = _run("backpack.disconnect", {"name": args.name})["backpack"]
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        print_json(backpack)
    else:
        revoked = "revoked at the backpack and " if backpack.get("revoked") else ""
        print(f"Backpack {args.name} disconnected: its tokens were {revoked}forgotten here.")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    try:
        removed = _run("backpack.remove", {"name": args.name})
    except BadgekeeperError as exc:
        return fail(exc)
    if args.json:
        print_json(removed)
    else:
        print(f"Backpack {args.name} removed ({removed['uploads_forgotten']} upload records).")
    return 0
