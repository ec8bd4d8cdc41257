"""Shared CLI output: tidy tables, JSON, errors, and calling the agent (or its handlers here)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any

from agent.errors import BadgekeeperError


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns under a header and a rule; trailing spaces trimmed."""
    lines = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = []
    for index, row in enumerate(lines):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=None), flush=True)


def fail(exc: BadgekeeperError | str) -> int:
    """Print a one-line error to standard error; return exit code 1."""
    if isinstance(exc, BadgekeeperError):
        print(f"badgekeeper: {exc.message} [{exc.code.name}]", file=sys.stderr)
    else:
        print(f"badgekeeper: {exc}", file=sys.stderr)
    return 1


def progress(message: str) -> None:
    """A progress line on standard error, only when a person is watching."""
    if sys.stderr.isatty():
        print(f"\r{message}\x1b[K", end="", file=sys.stderr, flush=True)


def end_progress() -> None:
    if sys.stderr.isatty():
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)


async def call_many(calls: Sequence[tuple[str, dict[str, Any] | None]]) -> list[Any]:
    """Call methods in order on the running agent, or on its handlers in this process."""
    from agent.client import connect_or_local  # the agent client pulls in websockets

    results = []
    async with connect_or_local() as caller:
        for method, params in calls:
            results.append(await caller.call(method, params))
    return results


def call(method: str, params: dict[str, Any] | None = None) -> Any:
    """One call (see :func:`call_many`); raises BadgekeeperError."""
    return asyncio.run(call_many([(method, params)]))[0]
