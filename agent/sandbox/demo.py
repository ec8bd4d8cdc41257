"""The demo: a local issuer issues sample badges, and ``badgekeeper verify`` judges them.

It runs the real CLI in a child process against a real issuer on loopback, so what it prints is
what an earner would see. Each sample states the verdict the specification expects; the demo
fails (exit 1) when any verdict differs.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from agent.cli.output import render_table
from agent.sandbox.issuer import IssuedBadge, SampleIssuer
from agent.sandbox.issuer_app import run_issuer

EARNER = "earner@sandbox.example"


@dataclass(frozen=True)
class Sample:
    """One demo badge: a file name, what it shows, the expected status, how to issue it."""

    name: str
    what: str
    expected: str
    issue: Callable[[SampleIssuer], IssuedBadge]


def _tampered(issuer: SampleIssuer) -> IssuedBadge:
    badge = issuer.issue_ob3_data_integrity(EARNER, "safety", svg=False)
    credential = json.loads(badge.payload)
    credential["credentialSubject"]["achievement"]["name"] = "Nobel Prize"
    from agent.bakery import bake
    from agent.sandbox.artwork import badge_png

    payload = json.dumps(credential, indent=2)
    image = bake(badge_png("safety", "Lab Safety"), payload)
    return IssuedBadge(badge.label, payload, image, "image/png", badge.assertion_id)


def _past(days: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


SAMPLES: tuple[Sample, ...] = (
    Sample("ob2-hosted.png", "OB 2.0 hosted", "valid", lambda i: i.issue_ob2_hosted(EARNER)),
    Sample(
        "ob2-hosted.svg",
        "OB 2.0 hosted, SVG",
        "valid",
        lambda i: i.issue_ob2_hosted(EARNER, "research", svg=True),
    ),
    Sample(
        "ob2-signed.png", "OB 2.0 signed (JWS RS256)", "valid", lambda i: i.issue_ob2_signed(EARNER)
    ),
    Sample("ob3-vc-jwt.png", "OB 3.0 VC-JWT (RS256)", "valid", lambda i: i.issue_ob3_jwt(EARNER)),
    Sample(
        "ob3-data-integrity.svg",
        "OB 3.0 Data Integrity (eddsa-rdfc-2022)",
        "valid",
        lambda i: i.issue_ob3_data_integrity(EARNER),
    ),
    Sample(
        "revoked-410.png",
        "OB 2.0 hosted, answers 410 Gone",
        "revoked",
        lambda i: i.issue_ob2_hosted(EARNER, revocation="gone"),
    ),
    Sample(
        "revoked-flag.png",
        "OB 2.0 hosted, revoked: true",
        "revoked",
        lambda i: i.issue_ob2_hosted(EARNER, "safety", revocation="flag"),
    ),
    Sample(
        "revoked-list.png",
        "OB 2.0 signed, on the revocation list",
        "revoked",
        lambda i: i.issue_ob2_signed(EARNER, revoked=True),
    ),
    Sample(
        "revoked-status.png",
        "OB 3.0, bit set in the status list",
        "revoked",
        lambda i: i.issue_ob3_jwt(EARNER, revoked=True),
    ),
    Sample(
        "expired.png",
        "OB 2.0 hosted, expired last month",
        "expired",
        lambda i: i.issue_ob2_hosted(EARNER, "python", issued=_past(400), expires=_past(30)),
    ),
    Sample("tampered.png", "OB 3.0, name changed after signing", "invalid", _tampered),
    Sample(
        "someone-else.png",
        "OB 2.0 hosted, issued to another address",
        "invalid",
        lambda i: i.issue_ob2_hosted("somebody@else.example"),
    ),
)


async def _run_verify(files: list[Path], allow: str) -> list[dict[str, Any]]:
    env = {**os.environ, "BADGEKEEPER_ALLOW_HOSTS": allow}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agent.cli",
        "verify",
        "--json",
        "--email",
        EARNER,
        *map(str, files),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"badgekeeper verify failed: {stderr.decode(errors='replace')}")
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


async def run_demo(folder: Path) -> tuple[list[tuple[Sample, dict[str, Any]]], str]:
    """Issue every sample into ``folder``, verify them with the CLI; return the pairs."""
    async with run_issuer() as server:
        files = []
        for sample in SAMPLES:
            badge = sample.issue(server.issuer)
            path = folder / sample.name
            path.write_bytes(badge.image)
            files.append(path)
        host = server.base_url.removeprefix("http://")
        verdicts = await _run_verify(files, allow=host)
        return list(zip(SAMPLES, verdicts, strict=True)), server.base_url


def render_verdicts(rows: list[tuple[Sample, dict[str, Any]]]) -> str:
    """The verdict table: sample, what it is, expected, verdict, codes."""
    body = []
    for sample, verdict in rows:
        codes = ", ".join(e["code"] for e in verdict["errors"]) or "—"
        mark = "✓" if verdict["status"] == sample.expected else "✗"
        body.append((sample.name, sample.what, sample.expected, f"{mark} {verdict['status']}", codes))
    return render_table(("badge", "what it is", "expected", "verdict", "codes"), body)
