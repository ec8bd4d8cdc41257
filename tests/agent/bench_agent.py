"""Agent benchmark (not a test): idle memory, and a page of 50 from 10,000 badges over the socket.

Run: ``cd /work/main && .venv/bin/python -m tests.agent.bench_agent [COUNT]``.
Fills a fresh library with ``agent.library.Library`` directly, starts a real ``badgekeeper
serve`` on it, and prints the agent's resident memory (``ps -o rss``) and the time of
``badge.list`` pages: the round trip over the socket as a client sees it, and the agent's own
time (from its DEBUG log lines).
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agent.library import Library
from tests.agent.conftest import AgentProcess, paths_for, start_agent_process
from tests.library.bench_library import fill

_AGENT_TIME = re.compile(r"badge\.list ok in ([0-9.]+) ms")


def rss_mb(pid: int) -> float:
    ps = shutil.which("ps") or "/bin/ps"
    out = subprocess.run([ps, "-o", "rss=", "-p", str(pid)], capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024


def summary(label: str, samples_ms: list[float]) -> None:
    ordered = sorted(samples_ms)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{label:<46} median {statistics.median(ordered):7.3f} ms   p95 {p95:7.3f} ms   "
        f"max {ordered[-1]:7.3f} ms   (n={len(ordered)})"
    )


async def measure_pages(agent: AgentProcess, runs: int = 300) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    async with await agent.client() as client:
        cases: dict[str, dict[str, Any]] = {
            "page 1 of 50 (newest first)": {"limit": 50},
            "page of 50, status=valid": {"limit": 50, "status": "valid"},
            "page of 50, text 'python'": {"limit": 50, "text": "python"},
            "page of 50 at offset 5000": {"limit": 50, "offset": 5000},
        }
        for label, params in cases.items():
            await client.call("badge.list", params)  # warm caches
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                page = await client.call("badge.list", params)
                samples.append((time.perf_counter() - started) * 1000)
                assert len(page["items"]) == 50
            results[label] = samples
    return results


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    home = Path(tempfile.mkdtemp(prefix="bk-agent-bench-")) / "home"
    empty = start_agent_process(Path(tempfile.mkdtemp(prefix="bk-agent-idle-")) / "home")
    time.sleep(1)
    print(f"idle agent, empty library: RSS {rss_mb(empty.process.pid):.1f} MB")
    empty.stop()

    print(f"filling a library of {count} badges in {home} …")
    with Library(paths_for(home)) as library:
        fill(library, count, random.Random(7))
    agent = start_agent_process(home, "--log-level", "DEBUG")
    try:
        time.sleep(1)
        print(f"idle agent, {count} badges: RSS {rss_mb(agent.process.pid):.1f} MB")
        log = agent.paths.logs / "agent.log"
        before = len(log.read_text().splitlines())
        results = asyncio.run(measure_pages(agent))
        for label, samples in results.items():
            summary(f"round trip: {label}", samples)
        agent_side = [
            float(match.group(1))
            for line in log.read_text().splitlines()[before:]
            if (match := _AGENT_TIME.search(line))
        ]
        summary("agent side (dispatch), all pages above", agent_side)
        print(f"after the pages: RSS {rss_mb(agent.process.pid):.1f} MB")
    finally:
        agent.stop()


if __name__ == "__main__":
    main()
