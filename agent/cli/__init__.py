"""The ``badgekeeper`` command line: one module per group of subcommands.

Each module exposes ``register(subparsers)``, which adds its commands and sets ``handler`` on
them; a handler takes the parsed arguments and returns the exit code. Exit codes: 0 success, 1 a
negative outcome (a badge that is not valid, a failed operation), 2 a usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from agent import __version__
from agent.cli import (
    backpack_commands,
    bakery_commands,
    demo_command,
    install_commands,
    library_commands,
    sandbox_command,
    serve_command,
    service_commands,
    settings_commands,
    share_commands,
    sync_commands,
    upload_command,
    verify_command,
)

_COMMAND_MODULES = (
    verify_command,
    bakery_commands,
    library_commands,
    settings_commands,
    share_commands,
    serve_command,
    demo_command,
    install_commands,
    backpack_commands,
    upload_command,
    sandbox_command,
    sync_commands,
    service_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="badgekeeper",
        description="Keep the Open Badges you earn: verify, store, upload and share them.",
    )
    parser.add_argument("--version", action="version", version=f"badgekeeper {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log to standard error (default: WARNING)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code: int = handler(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
