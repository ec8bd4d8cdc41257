"""Every benchmark, in the order they run and are reported.

To add one: write ``bench/benchmarks/NAME.py`` exposing ``BENCHMARK = Benchmark(key, title,
run)`` (``run(ctx: RunContext) -> Section``), then replace its ``planned(...)`` line below with
``NAME.BENCHMARK``. A benchmark whose Badgekeeper code is not there yet reports its figures as
``Missing("not yet measured: …")`` (see :func:`bench.ours.load`) instead of failing.
"""

from __future__ import annotations

from bench.benchmarks import batch, correctness, latency, unbake
from bench.registry import Benchmark, planned

BENCHMARKS: tuple[Benchmark, ...] = (
    unbake.BENCHMARK,
    batch.BENCHMARK,
    latency.BENCHMARK,
    correctness.BENCHMARK,
    planned(
        "native-host",
        "Native host start to first relayed reply",
        "≤ 150 ms (agent running)",
    ),
    planned(
        "round-trip",
        "Extension → agent → extension round trip in real Chromium",
        "p50 ≤ 5 ms, p99 ≤ 20 ms",
    ),
    planned(
        "library-10k",
        "Library of 10,000 badges: one page of 50 in the popup",
        "≤ 20 ms agent side",
    ),
    planned("sync", "Background sync: re-verify the library, retry uploads", "—"),
    planned(
        "agent-memory",
        "Agent resident memory, idle / during a 200-badge batch",
        "≤ 60 MB / ≤ 80 MB (validator-core: 73 MB)",
    ),
)
