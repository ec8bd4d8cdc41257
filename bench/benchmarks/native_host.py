"""5. The native host: spawned as Chromium spawns it, to its first relayed reply (agent running).

Rules:
- :func:`bench.host_bench.run` does the measuring: it installs the host for a throw-away browser
  profile in a throw-away home, starts the agent there, then spawns the installed launcher
  ``spawns`` times, each sending ``agent.hello`` and timing spawn → the reply's last byte.
- No anchor: DESIGN.md gives a budget only. The host's memory (VmHWM of the interpreter the
  launcher execs, read after its reply) is held to the host's own budget (``host_bench``).
"""

from __future__ import annotations

from typing import Any

from bench import host_bench
from bench.agent_process import BYTES_PER_MB
from bench.model import AtMost, Figure, Missing, Sample, Section, Side, no_anchor
from bench.registry import Benchmark, RunContext

KEY = "native-host"
TITLE = "Native host start to first relayed reply"
MIB = 1024 * 1024


def measured(spawns: int) -> dict[str, Any] | Missing:
    try:
        return host_bench.run(spawns=spawns, browser=False, samples=True)
    except Exception as exc:  # the host or its installer not working is a finding, not a crash
        return Missing(f"not measured: the host benchmark failed: {exc!r:.300}")


def run(ctx: RunContext) -> Section:
    section = Section(KEY, TITLE)
    spawns = ctx.repeats(30, 10)
    ctx.log(f"  {spawns} spawns of the installed launcher, agent running")
    figures = measured(spawns)
    started: Side
    memory: Side
    if isinstance(figures, Missing):
        section.state = "failed"
        section.alert(figures.reason)
        started = memory = figures
    else:
        started = Sample.of(figures["startup_ms_all"])
        memory = Sample.of([kb * 1024 / BYTES_PER_MB for kb in figures["hwm_kb_all"]])
        section.notes.append(
            f"{spawns} spawns; 95th percentile {figures['startup_ms_p95']:.1f} ms, fastest "
            f"{figures['startup_ms_min']:.1f} ms. Run alone: `.venv/bin/python "
            "bench/host_bench.py --no-browser`."
        )
    rss_budget_mb = host_bench.BUDGETS["rss_mb"] * MIB / BYTES_PER_MB
    section.figures += [
        Figure(
            "spawn → first relayed reply", "ms", started, no_anchor(),
            (AtMost(host_bench.BUDGETS["startup_ms"]),),
            note="the launcher as Chromium runs it (`launcher chrome-extension://ID/`), one "
            "`agent.hello` framed on stdin; until the reply's last byte on stdout",
        ),
        Figure(
            "host peak memory (VmHWM)", "MB", memory, no_anchor(),
            (AtMost(round(rss_budget_mb, 1)),),
            note="the host's own budget, 25 MiB (26.2 MB), set in `bench/host_bench.py`; "
            "DESIGN.md sets none",
        ),
    ]  # fmt: skip
    return section


BENCHMARK = Benchmark(KEY, TITLE, run)
