"""``badgekeeper serve``: run the agent in the foreground until stopped.

Exit 0 when it stopped cleanly, or at once when another agent of this user already runs (it
says where); 1 when it could not start.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any

from agent.errors import BadgekeeperError
from agent.paths import resolve_paths

log = logging.getLogger(__name__)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the agent the browser extension and the CLI talk to",
        description="Run the Badgekeeper agent in the foreground until stopped (SIGTERM or "
        "Ctrl-C). Only one agent runs per user; a second one says where the first runs.",
    )
    parser.add_argument(
        "--idle-exit",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="stop after this many seconds without any client (default 0: never)",
    )
    parser.add_argument(
        "--log-level",
        dest="agent_log_level",
        default="INFO",
        choices=LOG_LEVELS,
        help="what the agent's log file records (default INFO)",
    )
    parser.add_argument(
        "--detach",
        action="store_true",
        help="run in the background, detached from the terminal (clients that start the agent "
        "use this)",
    )
    parser.set_defaults(handler=run_serve)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 86_400 * 365:
        raise argparse.ArgumentTypeError("give 0 (never) or a positive number of seconds")
    return value


def _detach() -> bool:
    """Fork into a new session; True in the parent, which exits at once.

    Forking before the lock is taken keeps the lock with the one process that serves, and the
    parent's quick exit means whoever started it has no child left to reap.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() > 0:
        return True
    os.setsid()
    return False


def run_serve(args: argparse.Namespace) -> int:
    if args.detach and hasattr(os, "fork") and _detach():
        return 0
    # Imported here so that other commands do not pay for the server's imports.
    from agent.server.endpoint import default_transport
    from agent.server.lifecycle import AgentOptions, run_agent
    from agent.server.lock import InstanceLock
    from agent.server.logs import setup_agent_logging

    paths = resolve_paths()
    lock = InstanceLock(paths.lock_file)
    try:
        acquired = lock.acquire()
    except OSError as exc:
        print(f"badgekeeper serve: cannot take the lock {paths.lock_file}: {exc.strerror}.")
        return 1
    if not acquired:
        holder = lock.holder()
        print(f"A Badgekeeper agent is already running: {holder.describe()}.")
        return 0
    try:
        transport = default_transport()
        lock.record(str(paths.socket) if transport == "unix" else "loopback TCP (starting)")
        formatter = setup_agent_logging(paths, args.agent_log_level)
        options = AgentOptions(idle_exit=args.idle_exit, transport=transport)
        asyncio.run(run_agent(paths, lock, options, on_token=formatter.add_secret))
    except BadgekeeperError as exc:
        log.error("the agent could not run: %s", exc.message)
        print(f"badgekeeper serve: {exc.message}", file=sys.stderr)
        return 1
    finally:
        lock.release()
    return 0
