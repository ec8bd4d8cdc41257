"""What a benchmark reports: samples, budgets and their judgement, figures, tables, sections.

Rules:
- A figure compares one quantity for Badgekeeper ("ours") and its anchor; lower is better.
- Either side may be missing, with the reason (code not written yet, anchor failed to install):
  such a figure is reported as "not yet measured", never as zero. A figure with no anchor at
  all (DESIGN.md gives only a budget) says so (:func:`no_anchor`).
- The ratio is anchor / ours: "12×" means Badgekeeper needs a twelfth of the time (or memory).
- A budget is judged on the medians; a missed budget says by how much.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Sample:
    """Repeated measurements of one quantity, in the figure's unit."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: list[float] | tuple[float, ...]) -> Sample:
        if not values:
            raise ValueError("a sample needs at least one value")
        return cls(tuple(values))

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


@dataclass(frozen=True)
class Missing:
    """A side that was not measured, and why."""

    reason: str


NO_ANCHOR_PREFIX = "no anchor"


def no_anchor(why: str = "DESIGN.md sets a budget, not a comparison, for this figure") -> Missing:
    """The anchor side of a figure that has none (its budget alone judges Badgekeeper)."""
    return Missing(f"{NO_ANCHOR_PREFIX}: {why}.")


Side = Sample | Missing


def fmt(value: float) -> str:
    """A number with about three significant figures."""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


TIME_UNITS = frozenset({"s", "ms", "µs"})


@dataclass(frozen=True)
class Judgement:
    met: bool | None  # None: cannot be judged (a side is missing)
    text: str


def unmeasured(side: Missing) -> str:
    """How a missing side reads in a verdict: not written yet, or not measurable in this run."""
    return "not yet measured" if side.reason.startswith("not yet") else "not measured"


@dataclass(frozen=True)
class AtMost:
    """Badgekeeper's median must not exceed ``limit`` (in the figure's unit)."""

    limit: float

    def describe(self, unit: str) -> str:
        return f"≤ {self.limit:g} {unit}"

    def judge(self, ours: Side, anchor: Side, unit: str) -> Judgement:
        if not isinstance(ours, Sample):
            return Judgement(None, unmeasured(ours))
        excess = ours.median - self.limit
        if excess <= 0:
            return Judgement(True, "met")
        share = excess / self.limit
        percent = f"{share:.0%}" if share >= 0.01 else f"{share:.1%}"
        return Judgement(False, f"missed by {fmt(excess)} {unit} (+{percent})")


@dataclass(frozen=True)
class FasterBy:
    """The anchor's median must be at least ``factor`` times Badgekeeper's."""

    factor: float

    def describe(self, unit: str) -> str:
        better = "faster" if unit in TIME_UNITS else "less"
        return f"≥ {self.factor:g}× {better} than the anchor"

    def judge(self, ours: Side, anchor: Side, unit: str) -> Judgement:
        if not isinstance(ours, Sample):
            return Judgement(None, unmeasured(ours))
        if not isinstance(anchor, Sample):
            return Judgement(None, unmeasured(anchor))
        ratio = ratio_of(ours, anchor)
        if ratio is None or ratio >= self.factor:
            return Judgement(True, "met")
        return Judgement(False, f"missed: {fmt(ratio)}× of the {self.factor:g}× asked")


Budget = AtMost | FasterBy


def ratio_of(ours: Side, anchor: Side) -> float | None:
    """anchor / ours on the medians; None when either is missing or ours is zero."""
    if not isinstance(ours, Sample) or not isinstance(anchor, Sample) or ours.median <= 0:
        return None
    return anchor.median / ours.median


@dataclass(frozen=True)
class Figure:
    """One quantity, both sides, and the budgets Badgekeeper must meet."""

    label: str
    unit: str
    ours: Side
    anchor: Side
    budgets: tuple[Budget, ...] = ()
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return ratio_of(self.ours, self.anchor)

    def judgements(self) -> list[tuple[str, Judgement]]:
        return [
            (b.describe(self.unit), b.judge(self.ours, self.anchor, self.unit))
            for b in self.budgets
        ]


@dataclass(frozen=True)
class Table:
    """A plain table (the correctness comparison)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    in_summary: bool = True  # also printed on the console (first, second, fourth, fifth column)
    title: str = ""


SectionState = Literal["measured", "partial", "not yet measured", "failed"]


@dataclass
class Section:
    """What one benchmark reports."""

    key: str
    title: str
    state: SectionState = "measured"
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)  # printed loudly: a figure is not trustworthy
    seconds: float = 0.0
    load: str = ""  # the 1-minute load average as it began and as it ended

    def alert(self, message: str) -> None:
        self.alerts.append(message)
