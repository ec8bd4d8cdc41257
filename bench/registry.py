"""The benchmark registry: what runs, in which order, and what every benchmark is handed.

A benchmark is a function ``run(ctx) -> Section`` listed in ``bench/benchmarks/__init__.py``.
Benchmarks still to be written are listed there too, as :func:`planned` entries: they appear in
RESULTS.md as "not yet measured" with their budget, so adding one means writing its module and
replacing its ``planned(...)`` line with the real entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.anchors import AnchorRunner, AnchorSpec, AnchorUnavailable
from bench.issuer import Issuer
from bench.model import Missing, Section


@dataclass
class RunContext:
    """What a benchmark gets: the run's mode, the loopback issuer, the installed anchors."""

    quick: bool
    issuer: Issuer
    work_dir: Path
    anchor_pythons: dict[str, Path | Missing]
    log: Callable[[str], None] = print
    versions: dict[str, str] = field(default_factory=dict)  # filled in by benchmarks as they go
    # What one benchmark made that a later one reuses in the same run (the 10,000-badge library,
    # validator-core's peak memory in the batch); a benchmark run alone makes its own.
    shared: dict[str, Any] = field(default_factory=dict)

    def anchor_missing(self, spec: AnchorSpec) -> Missing | None:
        found = self.anchor_pythons.get(spec.name)
        if found is None:
            return Missing(f"{spec.name} was not installed in this run")
        return found if isinstance(found, Missing) else None

    @contextmanager
    def anchor(self, spec: AnchorSpec, *args: str) -> Iterator[AnchorRunner | Missing]:
        """A running anchor runner, or why there is none (the benchmark then skips that side)."""
        missing = self.anchor_missing(spec)
        if missing is not None:
            yield missing
            return
        runner = AnchorRunner(spec, *args)
        try:
            runner.__enter__()
        except AnchorUnavailable as exc:
            yield Missing(str(exc))
            return
        try:
            hello = runner.hello
            extra = (
                f", openbadges-bakery {hello['bakery_version']}"
                if "bakery_version" in hello
                else ""
            )
            self.versions[spec.name] = (
                f"{hello['version']} (own venv, Python {hello['python']}{extra})"
            )
            yield runner
        finally:
            runner.__exit__(None, None, None)

    def repeats(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass(frozen=True)
class Benchmark:
    key: str
    title: str
    run: Callable[[RunContext], Section] | None  # None: planned, not written yet
    in_quick: bool = True
    budget: str = ""  # for planned benchmarks: the budget DESIGN.md sets

    @property
    def planned(self) -> bool:
        return self.run is None


def planned(key: str, title: str, budget: str) -> Benchmark:
    """A benchmark a later issue will write; reported as "not yet measured"."""
    return Benchmark(key=key, title=title, run=None, budget=budget)
