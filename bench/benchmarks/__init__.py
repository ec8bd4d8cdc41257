"""Every benchmark, in the order they run and are reported.

To add one: write ``bench/benchmarks/NAME.py`` exposing ``BENCHMARK = Benchmark(key, title,
run)`` (``run(ctx: RunContext) -> Section``), then replace its ``planned(...)`` line below with
``NAME.BENCHMARK``. A benchmark whose Badgekeeper code is not there yet reports its figures as
``Missing("not yet measured: …")`` (see :func:`bench.ours.load`) instead of failing.
"""

from __future__ import annotations

from bench.benchmarks import (
    agent_memory,
    batch,
    correctness,
    latency,
    library_10k,
    native_host,
    round_trip,
    sync,
    unbake,
)
from bench.registry import Benchmark

BENCHMARKS: tuple[Benchmark, ...] = (
    unbake.BENCHMARK,
    batch.BENCHMARK,
    latency.BENCHMARK,
    correctness.BENCHMARK,
    native_host.BENCHMARK,
    round_trip.BENCHMARK,
    library_10k.BENCHMARK,
    sync.BENCHMARK,
    agent_memory.BENCHMARK,
)
