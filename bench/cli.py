"""``python -m bench [--quick] [--only KEY]… [--output PATH]``: install, run, report.

Rules:
- Anchors are installed first (once per machine); an anchor that cannot be installed leaves its
  side "not measured" and every other figure is still produced.
- One benchmark failing (a traceback) is reported as failed in RESULTS.md and the run goes on.
- A full run writes bench/RESULTS.md; a quick or partial run writes bench/.work/ instead, so the
  committed results always come from a full run (unless ``--output`` says otherwise).
- Missed budgets are findings, not errors: the exit code is 0 unless the harness itself broke.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from bench import ours
from bench.anchors import BAKERY, VALIDATOR_CORE, AnchorUnavailable, ensure_installed
from bench.benchmarks import BENCHMARKS
from bench.issuer import Issuer
from bench.machine import describe_machine, load_average, load_text
from bench.model import Missing, Section
from bench.registry import RunContext
from bench.report import RunInfo, render_markdown, render_summary

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / ".work"
BUSY_LOAD = 0.7


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark Badgekeeper beside validator-core and openbadges-bakery.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats: a fast subset")
    keys = [b.key for b in BENCHMARKS if not b.planned]
    parser.add_argument(
        "--only", action="append", choices=keys, metavar="KEY", help=f"run only these: {keys}"
    )
    parser.add_argument("--output", type=Path, help="where to write the results (Markdown)")
    return parser.parse_args(argv)


def install_anchors() -> dict[str, Path | Missing]:
    found: dict[str, Path | Missing] = {}
    for spec in (VALIDATOR_CORE, BAKERY):
        try:
            found[spec.name] = ensure_installed(spec)
            print(f"  {spec.name}: {spec.venv_dir.relative_to(BENCH_DIR.parent)}")
        except (AnchorUnavailable, OSError, subprocess.SubprocessError) as exc:
            missing = Missing(f"not measured: {spec.name} could not be installed ({exc})")
            found[spec.name] = missing
            print(f"!!! {missing.reason}", file=sys.stderr)
    return found


def busy_warning(
    start: tuple[float, float, float] | None, end: tuple[float, float, float] | None
) -> str:
    """A warning when other work kept the CPUs busy as the run began or ended."""
    if start is None or end is None or max(start[0], end[0]) < BUSY_LOAD:
        return ""
    return (
        f"The machine was busy during this run (1-minute load average {start[0]:.1f} at the "
        f"start, {end[0]:.1f} at the end, on {os.cpu_count()} cores; the benchmarks' own work "
        "counts too, and each section gives its own): absolute timings are noisier than on a "
        "quiet machine. Ratios are less affected, since both sides ran interleaved."
    )


def section_load(
    before: tuple[float, float, float] | None, after: tuple[float, float, float] | None
) -> str:
    """How busy the machine was around one benchmark (its own work included)."""
    if before is None or after is None:
        return ""
    return f"{before[0]:.1f} → {after[0]:.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    given = list(sys.argv[1:] if argv is None else argv)
    command = shlex.join(["python", "-m", "bench", *given])
    started = datetime.now(timezone.utc)
    load_at_start = load_average()
    clock = time.perf_counter()
    selected = [b for b in BENCHMARKS if not b.planned and (not args.only or b.key in args.only)]
    if args.quick:
        selected = [b for b in selected if b.in_quick]
    print(f"{command}: {len(selected)} benchmarks" + (" (quick)" if args.quick else ""))
    print("Anchors:")
    anchor_pythons = install_anchors()
    if not ours.precompile():
        print("!!! some of Badgekeeper's modules did not byte-compile", file=sys.stderr)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    sections: list[Section] = []
    with Issuer() as issuer:
        ctx = RunContext(
            quick=args.quick, issuer=issuer, work_dir=WORK_DIR, anchor_pythons=anchor_pythons
        )
        for benchmark in selected:
            assert benchmark.run is not None
            print(f"\n[{benchmark.key}] {benchmark.title}")
            begun = time.perf_counter()
            load_before = load_average()
            try:
                section = benchmark.run(ctx)
            except Exception as exc:
                traceback.print_exc()
                section = Section(benchmark.key, benchmark.title, state="failed")
                section.alert(f"the benchmark raised {exc!r:.300} (traceback on the console)")
            section.seconds = time.perf_counter() - begun
            section.load = section_load(load_before, load_average())
            sections.append(section)
    load_at_end = load_average()
    versions = [("Badgekeeper", ours.version())]
    versions += [
        (name, ctx.versions.get(name, "not run")) for name in (VALIDATOR_CORE.name, BAKERY.name)
    ]
    info = RunInfo(
        command=command,
        started=started.strftime("%Y-%m-%d %H:%M"),
        seconds=time.perf_counter() - clock,
        quick=args.quick,
        machine=[
            *describe_machine(),
            (
                "bytecode",
                "Badgekeeper's packages byte-compiled before measuring, as `pip install` does"
                + (
                    " (PYTHONDONTWRITEBYTECODE is set here)"
                    if os.environ.get("PYTHONDONTWRITEBYTECODE")
                    else ""
                ),
            ),
            (
                "load average (1, 5, 15 min)",
                f"{load_text(load_at_start)} at the start; {load_text(load_at_end)} at the end",
            ),
        ],
        versions=versions,
        load_warning=busy_warning(load_at_start, load_at_end),
    )
    planned = [b for b in BENCHMARKS if b.planned]
    print(render_summary(sections, planned))
    full = not args.quick and not args.only
    output = args.output or (BENCH_DIR / "RESULTS.md" if full else WORK_DIR / "RESULTS-partial.md")
    order = [b.key for b in BENCHMARKS]
    output.write_text(render_markdown(info, sections, planned, order))
    print(f"\nWrote {output} ({info.seconds:.0f} s).")
    return 1 if any(s.state == "failed" for s in sections) else 0
