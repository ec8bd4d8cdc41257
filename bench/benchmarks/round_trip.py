"""6. Extension → native host → agent → extension, in real Chromium (Debian's, via Playwright).

Rules:
- :func:`bench.host_bench.run` does the measuring: the repository loaded as the unpacked
  extension, the host installed for the browser's profile, the agent running; the service worker
  times ``calls`` calls of ``agent.hello`` with ``performance.now()`` after a warm-up of 50.
- The calls run in ``blocks`` blocks in the same worker; each block gives one p50 and one p99,
  and the budgets are judged on the median of those.
- No anchor. Without /usr/bin/chromium (``make browser`` installs it) or Playwright the figures
  are "not measured", with the reason; the run goes on.
"""

from __future__ import annotations

import subprocess
from typing import Any

from bench import host_bench
from bench.model import AtMost, Figure, Missing, Sample, Section, Side, no_anchor
from bench.registry import Benchmark, RunContext

KEY = "round-trip"
TITLE = "Extension → agent → extension round trip in real Chromium"


def chromium_version() -> str:
    try:
        found = subprocess.run(
            [str(host_bench.CHROMIUM), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    return found.stdout.strip() or "?"


def measured(calls: int, blocks: int) -> dict[str, Any] | Missing:
    if not host_bench.CHROMIUM.exists():
        return Missing(
            f"not measured: chromium missing ({host_bench.CHROMIUM}; `make browser` installs it)"
        )
    try:
        import playwright.sync_api  # noqa: F401 - only to say why, before starting anything
    except ImportError as exc:
        return Missing(f"not measured: Playwright is not installed ({exc})")
    try:
        return host_bench.run(spawns=0, calls=calls, blocks=blocks, samples=True)
    except Exception as exc:  # the browser or the extension not working: a finding, not a crash
        return Missing(f"not measured: the round-trip benchmark failed: {exc!r:.300}")


def run(ctx: RunContext) -> Section:
    section = Section(KEY, TITLE)
    calls, blocks = ctx.repeats(1000, 300), ctx.repeats(5, 1)
    ctx.log(f"  {blocks} × {calls} calls of agent.hello from the extension's service worker")
    figures = measured(calls, blocks)
    p50: Side
    p99: Side
    mean: Side
    if isinstance(figures, Missing):
        if "failed" in figures.reason:
            section.state = "failed"
            section.alert(figures.reason)
        p50 = p99 = mean = figures
    else:
        p50 = Sample.of(figures["roundtrip_ms_p50_blocks"])
        p99 = Sample.of(figures["roundtrip_ms_p99_blocks"])
        mean = Sample.of(figures["roundtrip_ms_mean_blocks"])
        section.notes.append(
            f"{chromium_version()}, headless, via Playwright; {blocks} blocks of {calls} calls "
            f"after a warm-up of 50 (one p50 and one p99 per block). Over all "
            f"{figures['calls']} calls: p50 {figures['roundtrip_ms_p50']} ms, p99 "
            f"{figures['roundtrip_ms_p99']} ms, slowest {figures['roundtrip_ms_max']} ms."
        )
    section.figures += [
        Figure("p50 of a block", "ms", p50, no_anchor(), (AtMost(5),)),
        Figure("p99 of a block", "ms", p99, no_anchor(), (AtMost(20),)),
        Figure("mean of a block", "ms", mean, no_anchor()),
    ]
    return section


BENCHMARK = Benchmark(KEY, TITLE, run)
