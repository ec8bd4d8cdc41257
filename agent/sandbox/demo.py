"""The demo: the whole job end to end, against the sandbox issuer and backpack on loopback.

1. The sandbox issuer issues sample badges to the demo earner, and ``badgekeeper verify`` (the
   real CLI, in a child process) judges them: each sample states the verdict the specification
   expects.
2. A real agent (``badgekeeper serve``) saves them, connects the sandbox backpack through the
   real OAuth flow, uploads the valid ones, and fills a collection (:mod:`demo_agent`).

The demo fails (exit 1) when any verdict differs from the expected one or an upload fails.
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
from agent.sandbox.backpack import DEMO_EMAIL, run_sandbox
from agent.sandbox.demo_agent import AgentPart, run_agent_part
from agent.sandbox.issuer import IssuedBadge, SampleIssuer

EARNER = DEMO_EMAIL


@dataclass(frozen=True)
class Sample:
    """One demo badge: a file name, what it shows, the expected status, how to issue it."""

    name: str
    what: str
    expected: str
    issue: Callable[[SampleIssuer], IssuedBadge]
    recipient: str = EARNER


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
        recipient="somebody@else.example",
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


@dataclass
class DemoReport:
    """Everything the demo did, for the command to print."""

    issuer_url: str
    backpack_url: str
    verdicts: list[tuple[Sample, dict[str, Any]]]
    agent: AgentPart

    @property
    def verdicts_ok(self) -> bool:
        return all(verdict["status"] == sample.expected for sample, verdict in self.verdicts)

    @property
    def ok(self) -> bool:
        saved_ok = all(
            saved["badge"]["status"] == sample.expected
            for sample, saved in zip(SAMPLES, self.agent.saved, strict=False)
        )
        return self.verdicts_ok and saved_ok and self.agent.uploads_ok


async def run_demo(
    folder: Path,
    say: Callable[[str], None] = lambda _: None,
    verified: Callable[[list[tuple[Sample, dict[str, Any]]]], None] = lambda _: None,
) -> DemoReport:
    """Issue every sample into ``folder``, verify them with the CLI (``verified`` gets the
    verdicts at once), then save, upload and collect them through a real agent connected to
    the sandbox backpack (``say`` narrates)."""
    async with run_sandbox() as sandbox:
        files = []
        for sample in SAMPLES:
            badge = sandbox.issue(sample.issue, sample.recipient)
            path = folder / sample.name
            path.write_bytes(badge.image)
            files.append(path)
        verdicts = list(
            zip(SAMPLES, await _run_verify(files, allow=sandbox.issuer_host), strict=True)
        )
        verified(verdicts)
        agent = await run_agent_part(sandbox, files, say)
        return DemoReport(sandbox.issuer.base_url, sandbox.backpack.base_url, verdicts, agent)


def render_verdicts(rows: list[tuple[Sample, dict[str, Any]]]) -> str:
    """The verdict table: sample, what it is, expected, verdict, codes."""
    body = []
    for sample, verdict in rows:
        codes = ", ".join(e["code"] for e in verdict["errors"]) or "—"
        mark = "✓" if verdict["status"] == sample.expected else "✗"
        body.append(
            (sample.name, sample.what, sample.expected, f"{mark} {verdict['status']}", codes)
        )
    return render_table(("badge", "what it is", "expected", "verdict", "codes"), body)


_UPLOAD_MARKS = {"done": "✓", "failed": "✗", "queued": "…", "uploading": "↑"}


def render_library(library: list[dict[str, Any]]) -> str:
    """The library table: id, name, verdict, upload states, public page."""
    body = []
    for badge in library:
        uploads = " ".join(
            f"{u['backpack']} {_UPLOAD_MARKS.get(u['state'], u['state'])}" for u in badge["uploads"]
        )
        public = next((u["public_url"] for u in badge["uploads"] if u.get("public_url")), None)
        body.append(
            (
                badge["id"],
                (badge["name"] or "—")[:28],
                badge["status"],
                uploads or "—",
                public or "—",
            )
        )
    return render_table(("id", "badge", "verdict", "uploads", "public page"), body)
