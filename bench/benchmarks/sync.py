"""8. Sync of 10,000 badges from 50 issuers on loopback: ``badgekeeper sync --json`` as a user
runs it, timed whole, with its peak memory.

Rules:
- The issuers, the library and the runs are :mod:`bench.sync_bench`'s: 50 issuers (one port
  each) in their own process, 200 hosted OB 2.0 badges each saved with real verdicts, and one
  ``badgekeeper sync`` child per measurement (no agent running, so it syncs in process).
- Each round runs a cold sync (``--force``, the library as saved, no HTTP cache), then a warm
  one (``--force`` again: 304s), then a scheduled one (nothing due); the budget (issue #7:
  ≤ 20 s and ≤ 80 MB) is judged on the cold and the warm ones.
- A run whose summary is not "every badge checked, none changed, no errors" is flagged and its
  figures void. In a full run, one more cold sync under cProfile names the hot spots.
- No anchor: the issue gives budgets only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.issuer import MAIN_HOST, Issuer
from bench.model import AtMost, Figure, Missing, Sample, Section, Side, Table, no_anchor
from bench.ours import cli_missing
from bench.registry import Benchmark, RunContext
from bench.startup_profile import profile_cli
from bench.sync_bench import (
    ISSUERS,
    KINDS,
    PER_ISSUER,
    Setup,
    SyncKind,
    SyncRun,
    fill_library,
    prepare,
    run_sync,
    serve_issuers,
    sync_args,
    sync_env,
)

KEY = "sync"
BADGES = ISSUERS * PER_ISSUER
TITLE = f"Sync of {BADGES:,} badges from {ISSUERS} issuers on loopback"
BUDGET_NOTE = "issue #7's budget (DESIGN.md's table has no sync row)"
NO_ANCHOR = no_anchor("issue #7 sets a budget, not a comparison")
LABELS: dict[SyncKind, str] = {
    "cold": "cold sync --force (no HTTP cache)",
    "warm": "warm sync --force (304s)",
    "scheduled": "scheduled sync (nothing due)",
}
BUDGETED: tuple[SyncKind, ...] = ("cold", "warm")


def hotspot_tables(issuer: Issuer, setup: Setup) -> list[Table]:
    """One cold sync under cProfile: the busiest agent/ functions, and where time itself goes."""
    prepare(setup, "cold")
    issuer.reset_counts()
    profile = profile_cli(sync_args("cold"), sync_env(setup.home), home=setup.home)
    return [
        Table(
            ("function (agent/)", "cumulative", "share of the run"),
            tuple(
                (f"`{s.where}`", f"{s.seconds:.2f} s", f"{s.share:.0%}")
                for s in profile.agent_hotspots(10)
            ),
            in_summary=False,
            title=f"Hot spots of one cold sync under cProfile ({profile.whole:.1f} s profiled)",
        ),
        Table(
            ("function (any code, its own time)", "own time", "share of the run"),
            tuple(
                (f"`{s.where}`", f"{s.seconds:.2f} s", f"{s.share:.0%}")
                for s in profile.own_time_hotspots(10)
            ),
            in_summary=False,
            title="Where that run's own time goes (callees excluded)",
        ),
    ]


def figures(runs: dict[SyncKind, list[SyncRun]], missing: Missing | None) -> list[Figure]:
    found: list[Figure] = []
    for kind in KINDS:
        counted = [run for run in runs[kind] if run.problem is None]
        void = missing or Missing("not measured: no run of this kind counted")
        seconds: Side = Sample.of([r.seconds for r in counted]) if counted else void
        peak: Side = Sample.of([r.peak_mb for r in counted]) if counted else void
        limits = kind in BUDGETED
        found += [
            Figure(
                f"{LABELS[kind]}: wall time", "s", seconds, NO_ANCHOR,
                (AtMost(20),) if limits else (),
                note=f"the whole `badgekeeper sync --json` process; {BUDGET_NOTE}"
                if kind == "cold" else "",
            ),
            Figure(
                f"{LABELS[kind]}: peak memory (VmHWM)", "MB", peak, NO_ANCHOR,
                (AtMost(80),) if limits else (),
            ),
        ]  # fmt: skip
    for kind in BUDGETED:
        counted = [run for run in runs[kind] if run.problem is None]
        if counted:
            found.append(
                Figure(
                    f"{LABELS[kind]}: HTTP requests per badge", "req",
                    Sample.of([r.requests / BADGES for r in counted]), NO_ANCHOR,
                )
            )  # fmt: skip
    return found


def run(ctx: RunContext) -> Section:
    section = Section(KEY, TITLE)
    missing = cli_missing()
    runs: dict[SyncKind, list[SyncRun]] = {kind: [] for kind in KINDS}
    with (
        Issuer((MAIN_HOST,), listeners=ISSUERS) as issuer,
        tempfile.TemporaryDirectory(prefix="bk-bench-sync-") as folder,
    ):
        site = serve_issuers(issuer, ISSUERS, PER_ISSUER)
        ctx.log(f"  saving {site.badges:,} badges of {ISSUERS} issuers (verified for real)")
        setup = fill_library(Path(folder) / "home", site)
        if missing is None:
            rounds = ctx.repeats(3, 1)
            for index in range(rounds):
                for kind in KINDS:
                    ctx.log(f"  round {index + 1}/{rounds}: {LABELS[kind]}")
                    done = run_sync(issuer, setup, kind, site.badges)
                    runs[kind].append(done)
                    if done.problem:
                        section.alert(f"{LABELS[kind]} did not count: {done.problem}")
            if not ctx.quick:
                ctx.log("  one more cold sync under cProfile")
                section.tables += hotspot_tables(issuer, setup)
    section.figures += figures(runs, missing)
    section.notes += [
        f"{ISSUERS} issuers in one separate process on 127.0.0.1, one port (one origin, one "
        f"per-host limit) each, {PER_ISSUER} hosted OB 2.0 assertions each (`no-cache` with an "
        "ETag; badge class, issuer and image `max-age=3600`). The library was filled first "
        f"(untimed): verified for real in {setup.verify_s:.0f} s, saved with `Library.save` in "
        f"{setup.save_s:.0f} s; verdicts {dict(setup.statuses)}.",
        "Each run is `badgekeeper sync --json [--force]` with `BADGEKEEPER_ALLOW_HOSTS="
        "127.0.0.1` and no agent running, so it syncs in its own process. Cold: the library as "
        "saved (restored from a copy), HTTP cache folder moved away; warm: right after it; "
        "scheduled: right after that, without `--force`. Run alone: "
        "`.venv/bin/python -m bench.sync_bench`.",
    ]
    if section.tables:
        section.notes.append(
            "cProfile follows the main thread (the event loop) only: the library's writes run "
            "on its writer thread and are not in these tables; cProfile also slows the run, so "
            "read the shares, not the seconds. Coroutine time is charged to each function it "
            "awaits in."
        )
    elif not ctx.quick and missing is None:
        section.alert("the profiled run produced no table")
    return section


BENCHMARK = Benchmark(KEY, TITLE, run)
