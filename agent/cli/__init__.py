"""The ``badgekeeper`` command line: one module per group of subcommands.

Each module exposes ``register(subparsers)``, which adds its commands and sets ``handler`` on
them; a handler takes the parsed arguments and returns the exit code. Exit codes: 0 success, 1 a
negative outcome (a badge that is not valid, a failed operation), 2 a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from agent import __version__

# Every command module, in the order of ``--help``.
_COMMAND_MODULES = (
    "verify_command",
    "bakery_commands",
    "library_commands",
    "settings_commands",
    "share_commands",
    "serve_command",
    "demo_command",
    "install_commands",
    "backpack_commands",
    "upload_command",
    "sandbox_command",
    "sync_commands",
    "service_commands",
)
# Which module registers each command: a run imports only its command's module (importing all
# of them costs ~0.1 s, a quarter of a whole `verify` of 200 badges). A test keeps this true.
COMMANDS: dict[str, str] = {
    "verify": "verify_command",
    "unbake": "bakery_commands",
    "bake": "bakery_commands",
    "save": "library_commands",
    "list": "library_commands",
    "show": "library_commands",
    "delete": "library_commands",
    "export": "library_commands",
    "emails": "settings_commands",
    "collections": "settings_commands",
    "share": "share_commands",
    "serve": "serve_command",
    "demo": "demo_command",
    "install": "install_commands",
    "uninstall": "install_commands",
    "doctor": "install_commands",
    "backpack": "backpack_commands",
    "upload": "upload_command",
    "sandbox": "sandbox_command",
    "sync": "sync_commands",
    "service": "service_commands",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser: with ``command`` (a known one), only the module that registers it."""
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
    modules = (COMMANDS[command],) if command in COMMANDS else _COMMAND_MODULES
    for name in modules:
        importlib.import_module(f"agent.cli.{name}").register(subparsers)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (after the global options), or None."""
    words = iter(argv)
    for word in words:
        if word == "--log-level":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(command_of(arguments))
    args = parser.parse_args(arguments)
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
