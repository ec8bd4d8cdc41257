"""``badgekeeper unbake`` and ``badgekeeper bake``: read and write the badge inside an image."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from agent.errors import BadgekeeperError

MAX_IMAGE_BYTES = 64 * 1024 * 1024


def register(subparsers: Any) -> None:
    unbake_parser = subparsers.add_parser(
        "unbake",
        help="print the Open Badges payload embedded in a PNG or SVG",
        description="Print the embedded payload (assertion JSON, JWS, JWT, credential JSON or "
        "URL) exactly as embedded.",
    )
    unbake_parser.add_argument("file", metavar="FILE")
    unbake_parser.set_defaults(handler=run_unbake)

    bake_parser = subparsers.add_parser(
        "bake",
        help="embed a payload into a PNG or SVG",
        description="Embed an Open Badges payload into a PNG or SVG image.",
    )
    bake_parser.add_argument("image", metavar="IMAGE")
    bake_parser.add_argument(
        "--payload", required=True, metavar="TEXT|@FILE", help="the payload, or @FILE to read it"
    )
    bake_parser.add_argument(
        "--ob3", action="store_true", help="bake as Open Badges 3.0 (openbadgecredential)"
    )
    bake_parser.add_argument("-o", "--output", required=True, metavar="OUT")
    bake_parser.set_defaults(handler=run_bake)


def _fail(message: str) -> int:
    print(f"badgekeeper: {message}", file=sys.stderr)
    return 1


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise OSError(f"{path} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    return data


def run_unbake(args: argparse.Namespace) -> int:
    from agent.bakery import unbake

    try:
        data = _read(args.file)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    try:
        found = unbake(data)
    except BadgekeeperError as exc:
        return _fail(f"{args.file}: {exc.message} [{exc.code.name}]")
    if found is None:
        return _fail(
            f"{args.file} carries no Open Badges data. Save the baked badge image the issuer "
            "sent, or the link to the hosted assertion. [NO_BADGE_DATA]"
        )
    sys.stdout.write(found.payload)
    if not found.payload.endswith("\n") and sys.stdout.isatty():
        sys.stdout.write("\n")
    return 0


def run_bake(args: argparse.Namespace) -> int:
    from agent.bakery import bake

    try:
        image = _read(args.image)
        if args.payload.startswith("@"):
            payload = Path(args.payload[1:]).read_text(encoding="utf-8")
        else:
            payload = args.payload
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read the input: {exc}")
    try:
        baked = bake(image, payload, ob3=True if args.ob3 else None)
    except BadgekeeperError as exc:
        return _fail(f"{exc.message} [{exc.code.name}]")
    out = Path(args.output)
    try:
        _write_atomically(out, baked)
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror or exc}")
    return 0


def _write_atomically(path: Path, data: bytes) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=".bake-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
