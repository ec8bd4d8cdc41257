"""9. The agent's resident memory: idle, and during a batch of 200 hosted badges.

Rules:
- Every figure comes from a real ``badgekeeper serve`` in a fresh home, read from /proc.
- Idle: VmRSS one second after the agent answers, with no client; on an empty library, and on
  the run's library of 10,000 badges (shared with ``library-10k``) both right after start and
  after it has served 100 pages of each kind. Budget ≤ 60 MB.
- During the batch (:mod:`bench.agent_batch`): 200 hosted badges of one issuer saved through the
  agent by 4 clients; the figure is the agent's VmHWM at the end (its peak over its life, which
  includes the batch); the highest VmRSS sampled every 2 ms is reported beside it. Budget
  ≤ 80 MB. The anchor is validator-core's peak RSS verifying the same kind of 200 badges in the
  ``batch`` benchmark of this run (reused, not measured again); without it, none.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.agent_batch import BADGES, CLIENTS, BatchRun, prepare, run_batch
from bench.agent_bench import idle_memory, page_timings
from bench.agent_process import AgentProcess
from bench.benchmarks.batch import VALIDATOR_PEAK_KEY
from bench.benchmarks.library_10k import BADGES as LIBRARY_BADGES
from bench.benchmarks.library_10k import shared_library
from bench.model import AtMost, Figure, Missing, Sample, Section, Side, no_anchor
from bench.registry import Benchmark, RunContext

KEY = "agent-memory"
TITLE = "Agent resident memory, idle / during a 200-badge batch"


def idle_empty(rounds: int) -> list[float]:
    readings = []
    for _ in range(rounds):
        with (
            tempfile.TemporaryDirectory(prefix="bk-bench-idle-") as folder,
            AgentProcess(Path(folder) / "home") as agent,
        ):
            readings.append(idle_memory(agent).rss_mb)
    return readings


def idle_full(ctx: RunContext, rounds: int) -> tuple[list[float], list[float]]:
    """(right after start, after serving pages) on the run's 10,000-badge library."""
    home = shared_library(ctx).home
    at_start, after_pages = [], []
    for _ in range(rounds):
        with AgentProcess(home, "--log-level", "DEBUG") as agent:
            at_start.append(idle_memory(agent).rss_mb)
            page_timings(agent, runs=100)
            after_pages.append(idle_memory(agent).rss_mb)
    return at_start, after_pages


def batches(ctx: RunContext, rounds: int, section: Section) -> list[BatchRun]:
    images = prepare(ctx.issuer, BADGES)
    done = []
    for index in range(rounds):
        ctx.log(f"  batch {index + 1}/{rounds}: {BADGES} badges saved through a fresh agent")
        with tempfile.TemporaryDirectory(prefix="bk-bench-batch-") as folder:
            batch = run_batch(ctx.issuer, images, Path(folder) / "home")
        if batch.statuses.get("valid", 0) != BADGES:
            section.alert(
                f"batch {index + 1}: not every badge was found valid ({dict(batch.statuses)}); "
                "its memory figure is not comparable."
            )
        done.append(batch)
    return done


def run(ctx: RunContext) -> Section:
    section = Section(KEY, TITLE)
    rounds = ctx.repeats(3, 1)
    ctx.log(f"  idle, empty library ({rounds} agents)")
    empty = idle_empty(rounds)
    ctx.log(f"  idle, {LIBRARY_BADGES:,} badges ({rounds} agents)")
    at_start, after_pages = idle_full(ctx, rounds)
    runs = batches(ctx, rounds, section)
    anchor: Side = ctx.shared.get(VALIDATOR_PEAK_KEY) or Missing(
        "not measured: validator-core's peak comes from the `batch` benchmark, not run here"
    )
    section.figures += [
        Figure("idle, empty library", "MB", Sample.of(empty), no_anchor(), (AtMost(60),)),
        Figure(
            f"idle, {LIBRARY_BADGES:,} badges, just started", "MB", Sample.of(at_start),
            no_anchor(), (AtMost(60),),
        ),
        Figure(
            f"idle, {LIBRARY_BADGES:,} badges, after 500 pages", "MB", Sample.of(after_pages),
            no_anchor(), (AtMost(60),),
            note="100 pages of each of the five kinds of `library-10k`, then a second idle",
        ),
        Figure(
            f"during a {BADGES}-badge batch (VmHWM)", "MB", Sample.of([r.hwm_mb for r in runs]),
            anchor, (AtMost(80),),
            note="the agent's peak since it started; anchor: validator-core's peak RSS "
            "verifying 200 hosted badges in the `batch` benchmark of this run",
        ),
        Figure(
            f"during a {BADGES}-badge batch (highest VmRSS sampled)", "MB",
            Sample.of([r.max_rss_mb for r in runs]), no_anchor(),
        ),
    ]  # fmt: skip
    seconds = sorted(r.seconds for r in runs)
    section.notes += [
        "Idle = VmRSS one second after the agent answers its socket, no client connected.",
        f"The batch: {BADGES} hosted OB 2.0 assertions of one issuer on loopback, each URL baked "
        f"into its own ~50 KB PNG and sent as base64 with `badge.save` by {CLIENTS} clients at "
        "once; the earner's address added first, so recipients are checked. It took "
        f"{seconds[len(seconds) // 2]:.2f} s (median of {len(runs)}), "
        f"{runs[-1].requests_per_badge:.2f} requests per badge; verdicts "
        f"{dict(runs[-1].statuses)}. Run alone: `.venv/bin/python -m bench.agent_batch`.",
    ]
    return section


BENCHMARK = Benchmark(KEY, TITLE, run)
