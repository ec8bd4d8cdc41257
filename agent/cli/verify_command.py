"""``badgekeeper verify SOURCE…``: verify badges concurrently and report each.

Rules (DESIGN.md's contract):
- A SOURCE is a baked PNG/SVG, a JSON file, a file holding a JWS/JWT, or an http(s) URL.
- Sources are verified concurrently with one shared fetcher (one HTTP cache for the batch);
  ``--json`` prints one object per source, one per line, in the order given.
- ``--timeout`` bounds each HTTP request; each badge also has an overall deadline of a few times
  that, after which it is reported as DEADLINE_EXCEEDED.
- Exit 0 when every source is valid, 1 when any is not, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.errors import ErrorCode

if TYPE_CHECKING:
    from agent.verify import Verdict, VerifyContext

MAX_SOURCE_BYTES = 64 * 1024 * 1024
DEADLINE_FACTOR = 3
CONCURRENCY = 32


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify badges: baked images, JSON, signed tokens or hosted assertion URLs",
        description="Verify Open Badges 2.0 and 3.0 the way the specifications say.",
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="file or http(s) URL")
    parser.add_argument(
        "--email",
        action="append",
        default=None,
        metavar="ADDR",
        help="an address of yours to check the recipient against (repeatable; default: the "
        "addresses in your settings)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per source per line")
    parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=10.0,
        metavar="SECONDS",
        help="bound for each HTTP request (default 10)",
    )
    parser.set_defaults(handler=run_verify)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from exc
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("the timeout must be between 0 and 3600 seconds")
    return value


def run_verify(args: argparse.Namespace) -> int:
    from agent.cli.report import render_verdict
    from agent.cli.settings import configured_addresses

    emails = args.email if args.email is not None else configured_addresses()
    verdicts = asyncio.run(verify_sources(args.sources, emails=emails, timeout=args.timeout))
    for verdict in verdicts:
        if args.json:
            print(json.dumps(verdict.to_json(), ensure_ascii=False), flush=True)
        else:
            print(render_verdict(verdict))
    if not args.json and len(verdicts) > 1:
        valid = sum(v.status == "valid" for v in verdicts)
        print(f"{valid} of {len(verdicts)} badges valid.")
    return 0 if all(v.status == "valid" for v in verdicts) else 1


async def verify_sources(
    sources: Sequence[str], *, emails: Sequence[str], timeout: float
) -> list[Verdict]:
    """Verify every source concurrently with one shared fetcher; results in input order."""
    from agent.fetch.client import SafeFetcher
    from agent.paths import resolve_paths
    from agent.verify import VerifyContext

    paths = resolve_paths()
    semaphore = asyncio.Semaphore(CONCURRENCY)
    async with SafeFetcher(timeout=timeout, cache_dir=paths.http_cache) as fetcher:
        ctx = VerifyContext(fetcher=fetcher, emails=tuple(emails))

        async def one(source: str) -> Verdict:
            async with semaphore:
                return await verify_one(source, ctx, deadline=timeout * DEADLINE_FACTOR)

        return list(await asyncio.gather(*(one(source) for source in sources)))


async def verify_one(source: str, ctx: VerifyContext, *, deadline: float) -> Verdict:
    """Verify one source under an overall deadline; never raises."""
    from agent.verify import Verdict, utc_now, verify_source_bytes, verify_url

    try:
        if source.lower().startswith(("http://", "https://")):
            return await asyncio.wait_for(verify_url(source, ctx), deadline)
        data = _read_source_file(source)
        if isinstance(data, Verdict):
            return data
        return await asyncio.wait_for(verify_source_bytes(data, ctx, source=source), deadline)
    except asyncio.TimeoutError:
        verdict = Verdict(source=source, checked_at=utc_now())
        verdict.fail(
            ErrorCode.DEADLINE_EXCEEDED,
            f"Verifying this badge took longer than {deadline:g} s. Try again later, or raise "
            "--timeout.",
        )
        return verdict


def _read_source_file(source: str) -> bytes | Verdict:
    from agent.verify import Verdict, utc_now

    path = Path(source)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        verdict = Verdict(source=source, checked_at=utc_now())
        reason = exc.strerror or type(exc).__name__
        verdict.fail(
            ErrorCode.SOURCE_UNREADABLE,
            f"Could not read {source}: {reason}. Check the path and that you may read it.",
        )
        return verdict
    if len(data) > MAX_SOURCE_BYTES:
        verdict = Verdict(source=source, checked_at=utc_now())
        verdict.fail(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"{source} is over {MAX_SOURCE_BYTES // (1024 * 1024)} MB; badges are far smaller.",
        )
        return verdict
    return data
