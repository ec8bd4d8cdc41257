"""Agent benchmark: idle memory, and pages of 50 from 10,000 badges over the agent's socket.

    .venv/bin/python -m bench.agent_bench [COUNT]

Fills a fresh library with ``agent.library.Library`` directly (:mod:`bench.library_bench`),
starts a real ``badgekeeper serve`` on it and prints the agent's resident memory and the time of
``badge.list`` pages: the round trip over the socket as a client sees it, and the agent's own
time (its dispatch time, from its DEBUG log lines). The ``library-10k`` and ``agent-memory``
benchmarks call :func:`idle_memory` and :func:`page_timings`.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.client import AgentClient
from bench.agent_process import AgentProcess, Memory
from bench.library_bench import build_library

SETTLE_S = 1.0  # after the socket answers: the agent finishes starting before memory is read
AGENT_TIME = re.compile(r"badge\.list ok in ([0-9.]+) ms")
PAGE_CASES: dict[str, dict[str, Any]] = {
    "page 1 of 50 (newest first)": {"limit": 50},
    "page of 50, status=valid": {"limit": 50, "status": "valid"},
    "page of 50, text 'python'": {"limit": 50, "text": "python"},
    "page 2 of 50 (cursor)": {"limit": 50, "cursor": None},  # the cursor page 1 returned
    "page of 50 halfway (offset)": {"limit": 50, "offset": None},  # total // 2
}


@dataclass(frozen=True)
class PageTimes:
    """One kind of page: the round trip a client sees, and the agent's own dispatch time (ms)."""

    round_trip_ms: list[float]
    agent_ms: list[float]


def idle_memory(agent: AgentProcess, settle_s: float = SETTLE_S) -> Memory:
    """The agent's memory once it has had ``settle_s`` with no client."""
    time.sleep(settle_s)
    return agent.memory()


def _agent_times(log: Path, skip_lines: int) -> list[float]:
    lines = log.read_text(errors="replace").splitlines()[skip_lines:]
    return [float(m.group(1)) for line in lines if (m := AGENT_TIME.search(line))]


def _line_count(log: Path) -> int:
    return len(log.read_text(errors="replace").splitlines()) if log.exists() else 0


async def _pages(agent: AgentProcess, runs: int) -> dict[str, PageTimes]:
    """Every case of PAGE_CASES ``runs`` times; the agent must run with ``--log-level DEBUG``."""
    results: dict[str, PageTimes] = {}
    async with await AgentClient.connect(agent.paths) as client:
        first = await client.call("badge.list", {"limit": 50})
        for label, params in PAGE_CASES.items():
            if "cursor" in params:
                params = {**params, "cursor": first["next_cursor"]}
            if "offset" in params:
                params = {**params, "offset": first["total"] // 2}
            await client.call("badge.list", params)  # warm the statement cache
            before = _line_count(agent.log_file)
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                page = await client.call("badge.list", params)
                samples.append((time.perf_counter() - started) * 1000)
                if len(page["items"]) != 50:
                    raise RuntimeError(f"{label}: {len(page['items'])} badges instead of 50")
            # The agent logs after it replies: its last line may land just after our last reply.
            for _ in range(100):
                agent_ms = _agent_times(agent.log_file, before)
                if len(agent_ms) >= runs:
                    break
                await asyncio.sleep(0.01)
            results[label] = PageTimes(samples, agent_ms[:runs])
    return results


def page_timings(agent: AgentProcess, runs: int = 300) -> dict[str, PageTimes]:
    return asyncio.run(_pages(agent, runs))


def summary(label: str, samples_ms: list[float]) -> str:
    if not samples_ms:
        return f"{label:<46} no samples"
    ordered = sorted(samples_ms)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"{label:<46} median {statistics.median(ordered):7.3f} ms   p95 {p95:7.3f} ms   "
        f"max {ordered[-1]:7.3f} ms   (n={len(ordered)})"
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else 10_000
    with tempfile.TemporaryDirectory(prefix="bk-bench-agent-") as folder:
        with AgentProcess(Path(folder) / "empty") as empty:
            memory = idle_memory(empty)
            print(f"idle agent, empty library: RSS {memory.rss_mb:.1f} MB")
        home = Path(folder) / "home"
        print(f"filling a library of {count} badges in {home} …")
        build_library(home, count)
        with AgentProcess(home, "--log-level", "DEBUG") as agent:
            memory = idle_memory(agent)
            print(f"idle agent, {count} badges: RSS {memory.rss_mb:.1f} MB")
            for label, times in page_timings(agent).items():
                print(summary(f"round trip: {label}", times.round_trip_ms))
                print(summary(f"agent side: {label}", times.agent_ms))
            memory = agent.memory()
            print(f"after the pages: RSS {memory.rss_mb:.1f} MB, peak {memory.hwm_mb:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
