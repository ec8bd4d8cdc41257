"""``badgekeeper sandbox``: a sample issuer and a sandbox backpack on loopback, until stopped.

It prints their URLs, the demo account, a few sample badges issued to that account, and the
commands that connect Badgekeeper to the backpack; it runs until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import tempfile
from pathlib import Path
from typing import Any

from agent.paths import ensure_private_dir


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="run a local issuer and backpack to try uploads without an account",
        description="Start the sample issuer on 127.0.0.1:PORT and the sandbox backpack on "
        "PORT+1 (free ports when PORT is 0), keep their data in DIR, and run until stopped.",
    )
    parser.add_argument("--port", type=int, default=0, metavar="PORT")
    parser.add_argument("--data", metavar="DIR", help="where the backpack keeps its data")
    parser.set_defaults(handler=run_sandbox_command)


def run_sandbox_command(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65534:
        print("badgekeeper sandbox: --port is 0 (any) or a port from 1 to 65534.")
        return 2
    with tempfile.TemporaryDirectory(prefix="badgekeeper-sandbox-") as scratch:
        folder = Path(args.data) if args.data else Path(scratch)
        ensure_private_dir(folder)
        try:
            asyncio.run(_serve(args.port, folder))
        except OSError as exc:
            print(f"badgekeeper sandbox: cannot listen on port {args.port}: {exc.strerror}.")
            return 1
    return 0


async def _serve(port: int, folder: Path) -> None:
    from agent.sandbox.backpack import DEMO_EMAIL, DEMO_PASSWORD, run_sandbox

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with run_sandbox(port=port, data_dir=folder / "backpack") as sandbox:
        samples = folder / "badges"
        samples.mkdir(exist_ok=True)
        issued = [
            ("ob2-hosted.png", sandbox.issue(lambda i: i.issue_ob2_hosted(DEMO_EMAIL), DEMO_EMAIL)),
            ("ob2-signed.png", sandbox.issue(lambda i: i.issue_ob2_signed(DEMO_EMAIL), DEMO_EMAIL)),
            ("ob3-vc-jwt.png", sandbox.issue(lambda i: i.issue_ob3_jwt(DEMO_EMAIL), DEMO_EMAIL)),
        ]
        for name, badge in issued:
            (samples / name).write_bytes(badge.image)
        backpack = sandbox.backpack.base_url
        print(f"Sandbox issuer:   {sandbox.issuer.base_url}")
        print(f"Sandbox backpack: {backpack}")
        print(f"  account:  {DEMO_EMAIL}   password: {DEMO_PASSWORD}")
        print(f"  Badge Connect manifest: {backpack}/.well-known/badgeconnect.json")
        print(f"  OB 3.0 discovery:       {backpack}/ims/ob/v3p0/discovery")
        print(f"  Badgr v2 API:           {backpack}/v2/")
        print(f"Sample badges issued to {DEMO_EMAIL}: {samples}")
        print("Try, in another terminal:")
        print(f"  export BADGEKEEPER_ALLOW_HOSTS={sandbox.issuer_host}")
        print(f"  badgekeeper emails add {DEMO_EMAIL}")
        print(f"  badgekeeper save {samples / 'ob2-hosted.png'}")
        print(f"  badgekeeper backpack add sandbox --kind badge-connect --url {backpack} --default")
        print("  badgekeeper backpack connect sandbox")
        print("  badgekeeper upload --all --wait")
        print("Stop with Ctrl-C.", flush=True)
        await stop.wait()
