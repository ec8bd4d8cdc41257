"""The agent's memory during a batch: 200 hosted badges of one issuer saved through a real agent.

    .venv/bin/python -m bench.agent_batch [COUNT]     # starts its own loopback issuer

Rules:
- One issuer on loopback (the bench's issuer process), ``count`` hosted OB 2.0 assertions of one
  badge class (:func:`bench.site.batch_site`, under its own prefix); each assertion's URL is baked
  into its own copy of one ~50 KB PNG, as an issuer's mail would carry it.
- A fresh ``badgekeeper serve`` in a fresh ``BADGEKEEPER_HOME``, allowed to reach the issuer
  (``BADGEKEEPER_ALLOW_HOSTS``), with the earner's address added so recipients are checked.
- ``CLIENTS`` clients at once, each saving its share one badge after another with ``badge.save``
  (``data``: the image as base64), as several popups or a "save all" would.
- The agent's VmRSS is sampled every 2 ms from the first save to the last reply; its VmHWM (the
  peak since it started, which includes the batch) is read at the end.
"""

from __future__ import annotations

import asyncio
import base64
import io
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from agent.bakery import bake
from agent.client import AgentClient
from bench.agent_process import AgentProcess, Memory, MemoryFollower
from bench.issuer import MAIN_HOST, Issuer
from bench.site import EARNER_EMAIL, batch_site

BADGES = 200
CLIENTS = 4
PREFIX = "/agent-batch"
IMAGE_SEED = 20240302


@dataclass(frozen=True)
class BatchRun:
    """One batch through one fresh agent."""

    idle: Memory  # before the first save
    max_rss_mb: float  # the highest VmRSS sampled during the batch
    hwm_mb: float  # VmHWM at the end: the agent's peak over its whole life so far
    seconds: float  # first save sent to last reply
    statuses: Counter[str]  # verdict status → badges
    requests_per_badge: float  # as the issuer counted them


def badge_image() -> bytes:
    """A 256×256 PNG of ~50 KB (a quarter of it noise, so it does not compress away)."""
    picture = Image.new("RGB", (256, 256), (30, 110, 200))
    noise = random.Random(IMAGE_SEED).randbytes(128 * 128 * 3)
    picture.paste(Image.frombytes("RGB", (128, 128), noise), (64, 64))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def baked_badges(urls: list[str]) -> list[str]:
    """Each assertion URL baked into its own PNG, as base64 (what ``badge.save`` takes)."""
    image = badge_image()
    return [base64.b64encode(bake(image, url)).decode("ascii") for url in urls]


async def _save_all(agent: AgentProcess, images: list[str], clients: int) -> list[str]:
    async def share(client: AgentClient, part: list[str]) -> list[str]:
        statuses = []
        for data in part:
            saved: dict[str, Any] = await client.call("badge.save", {"data": data})
            statuses.append(str(saved["verdict"]["status"]))
        return statuses

    connections = [await AgentClient.connect(agent.paths) for _ in range(clients)]
    try:
        await connections[0].call("emails.add", {"address": EARNER_EMAIL})
        parts = await asyncio.gather(
            *(share(c, images[n::clients]) for n, c in enumerate(connections))
        )
    finally:
        for connection in connections:
            await connection.close()
    return [status for part in parts for status in part]


def run_batch(issuer: Issuer, images: list[str], home: Path, clients: int = CLIENTS) -> BatchRun:
    """Save ``images`` through a fresh agent in ``home``; its memory before and during."""
    with AgentProcess(home, allow=MAIN_HOST) as agent:
        time.sleep(1.0)  # let it finish starting: "idle" is the state a batch begins from
        idle = agent.memory()
        issuer.reset_counts()
        with MemoryFollower(agent.pid) as follower:
            started = time.perf_counter()
            statuses = asyncio.run(_save_all(agent, images, clients))
            seconds = time.perf_counter() - started
        requests = issuer.total_requests()
        end = follower.last or agent.memory()
        return BatchRun(
            idle=idle,
            max_rss_mb=follower.max_rss_mb,
            hwm_mb=end.hwm_mb,
            seconds=seconds,
            statuses=Counter(statuses),
            requests_per_badge=requests / len(images),
        )


def prepare(issuer: Issuer, count: int = BADGES) -> list[str]:
    """Serve ``count`` hosted assertions on ``issuer``; their baked images as base64."""
    documents, urls = batch_site(issuer.base(), count, prefix=PREFIX)
    issuer.load(documents)
    issuer.set_delay(0)
    return baked_badges(urls)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else BADGES
    with Issuer() as issuer, tempfile.TemporaryDirectory(prefix="bk-bench-batch-") as folder:
        images = prepare(issuer, count)
        run = run_batch(issuer, images, Path(folder) / "home")
    print(f"{count} badges through the agent ({CLIENTS} clients) in {run.seconds:.2f} s")
    print(f"verdicts: {dict(run.statuses)}; {run.requests_per_badge:.2f} requests per badge")
    print(f"agent idle before: RSS {run.idle.rss_mb:.1f} MB (peak so far {run.idle.hwm_mb:.1f})")
    print(f"during the batch: highest RSS sampled {run.max_rss_mb:.1f} MB, VmHWM {run.hwm_mb:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
