"""7. A library of 10,000 badges: a page of 50 as the popup asks for it, and the time of a save.

Rules:
- The library is filled once per run (:func:`shared_library`, also used by ``agent-memory``)
  with :func:`bench.library_bench.build_library`: 10,000 badges saved one by one with
  ``Library.save``; each save's time (image file write + fsync + SQLite commit, verification
  excluded) is a sample of the save figure.
- A real ``badgekeeper serve --log-level DEBUG`` then serves it; a client asks for pages of 50
  over the socket. The agent's side is its own dispatch time, from its log line
  ``badge.list ok in X ms`` (no socket, no JSON encoding of the reply); the client's round trip
  is reported beside it. The budget (≤ 20 ms agent side) applies to every kind of page.
- No anchor: DESIGN.md gives budgets only.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.agent_bench import page_timings
from bench.agent_process import AgentProcess
from bench.library_bench import build_library
from bench.model import AtMost, Figure, Sample, Section, no_anchor
from bench.registry import Benchmark, RunContext

KEY = "library-10k"
TITLE = "Library of 10,000 badges: one page of 50 in the popup"
BADGES = 10_000
SHARED_KEY = "library of 10,000 badges"


@dataclass(frozen=True)
class FilledLibrary:
    home: Path
    save_s: list[float]
    fill_s: float
    folder: tempfile.TemporaryDirectory[str]  # removed when the run ends (or at exit)


def shared_library(ctx: RunContext) -> FilledLibrary:
    """The run's library of 10,000 badges, filled on first use."""
    found = ctx.shared.get(SHARED_KEY)
    if isinstance(found, FilledLibrary):
        return found
    folder = tempfile.TemporaryDirectory(prefix="bk-bench-10k-")
    home = Path(folder.name) / "home"
    ctx.log(f"  filling a library of {BADGES:,} badges (Library.save, one by one)")
    started = time.perf_counter()
    save_s = build_library(home, BADGES)
    filled = FilledLibrary(home, save_s, time.perf_counter() - started, folder)
    ctx.shared[SHARED_KEY] = filled
    return filled


def run(ctx: RunContext) -> Section:
    section = Section(KEY, TITLE)
    library = shared_library(ctx)
    runs = ctx.repeats(300, 100)
    ctx.log(f"  pages of 50 over the agent's socket, {runs} of each kind")
    with AgentProcess(library.home, "--log-level", "DEBUG") as agent:
        pages = page_timings(agent, runs)
    section.figures.append(
        Figure(
            "save one badge", "ms", Sample.of([s * 1000 for s in library.save_s]), no_anchor(),
            (AtMost(5),),
            note="`Library.save` of a verified badge (a 8–40 KB image): file write + fsync + "
            "SQLite commit (synchronous=FULL); verification excluded",
        )
    )  # fmt: skip
    for label, times in pages.items():
        if not times.agent_ms:
            section.alert(f"{label}: no `badge.list` line in the agent's log; agent side unknown")
            continue
        section.figures.append(
            Figure(
                f"{label}: agent side", "ms", Sample.of(times.agent_ms), no_anchor(), (AtMost(20),)
            )
        )
    first = next(iter(pages.values()))
    section.figures.append(
        Figure(
            f"{next(iter(pages))}: client round trip", "ms", Sample.of(first.round_trip_ms),
            no_anchor(),
            note="what a client of the socket sees: request, dispatch, JSON reply of 50 badges",
        )
    )  # fmt: skip
    ordered = sorted(library.save_s)
    section.notes += [
        f"{BADGES:,} saves took {library.fill_s:.0f} s in all; save p95 "
        f"{ordered[int(len(ordered) * 0.95) - 1] * 1000:.2f} ms, slowest "
        f"{ordered[-1] * 1000:.1f} ms.",
        "Agent side = the agent's dispatch time for `badge.list` as its DEBUG log records it. "
        "Run alone: `.venv/bin/python -m bench.agent_bench` (pages) and "
        "`.venv/bin/python -m bench.library_bench` (saves and the library's queries in process).",
    ]
    return section


BENCHMARK = Benchmark(KEY, TITLE, run)
