"""RESULTS.md and the console summary, from the sections the benchmarks returned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.model import NO_ANCHOR_PREFIX, Figure, Missing, Sample, Section, Side, Table, fmt
from bench.registry import Benchmark


@dataclass(frozen=True)
class RunInfo:
    command: str
    started: str  # ISO date and time, UTC
    seconds: float
    quick: bool
    machine: list[tuple[str, str]]
    versions: list[tuple[str, str]]
    load_warning: str = ""


def side_text(side: Side, unit: str) -> str:
    if isinstance(side, Missing):
        if side.reason.startswith(NO_ANCHOR_PREFIX):
            return "— (no anchor)"
        return "not yet measured" if side.reason.startswith("not yet") else "not measured"
    if len(side.values) == 1:
        return f"{fmt(side.median)} {unit} (n=1)"
    return f"{fmt(side.median)} {unit} ({fmt(side.low)}–{fmt(side.high)}, n={len(side.values)})"


def ratio_text(figure: Figure) -> str:
    ratio = figure.ratio
    return "—" if ratio is None else f"{fmt(ratio)}×"


def verdict_text(figure: Figure) -> tuple[str, str]:
    judged = figure.judgements()
    if not judged:
        return "—", "—"
    budgets = "; ".join(text for text, _ in judged)
    verdicts = "; ".join(
        ("✅ " if j.met else "❌ " if j.met is False else "") + j.text for _, j in judged
    )
    return budgets, verdicts


def figure_row(figure: Figure) -> tuple[str, ...]:
    budgets, verdicts = verdict_text(figure)
    return (
        figure.label,
        side_text(figure.ours, figure.unit),
        side_text(figure.anchor, figure.unit),
        ratio_text(figure),
        budgets,
        verdicts,
    )


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return [line(headers), line(["---"] * len(headers)), *(line(row) for row in rows)]


FIGURE_HEADERS = ("figure", "Badgekeeper", "anchor", "ratio", "budget", "verdict")


def missing_reasons(section: Section) -> list[str]:
    reasons: list[str] = []
    for figure in section.figures:
        for side in (figure.ours, figure.anchor):
            if isinstance(side, Missing) and side.reason not in reasons:
                reasons.append(side.reason)
    return reasons


def render_markdown(
    info: RunInfo, sections: list[Section], planned: list[Benchmark], order: list[str]
) -> str:
    """The whole RESULTS.md; ``order`` numbers sections by their place in the registry."""
    out = [
        "# Badgekeeper benchmarks",
        "",
        f"Written by `{info.command}` on {info.started} (UTC) in {info.seconds:.0f} s"
        + (" — a **quick** run (fewer repeats, some figures left out)." if info.quick else "."),
        "Run it again with `make bench` (which runs `.venv/bin/python -m bench` from the "
        "repository root); `python -m bench --quick` is the fast subset.",
        "",
        "How to read: each figure is the median of the repeats, with the lowest and highest in "
        "brackets and the number of repeats (n). The ratio is anchor ÷ Badgekeeper, so 12× means "
        "Badgekeeper takes a twelfth of the anchor's time (or memory, or requests). MB = 10⁶ "
        "bytes. Both sides ran in the same run, interleaved, against the same loopback issuer.",
        "",
        "## Machine",
        "",
        *markdown_table(("", ""), info.machine),
        "",
        *([f"> ⚠️ {info.load_warning}", ""] if info.load_warning else []),
        "## Versions",
        "",
        *markdown_table(("side", "version"), info.versions),
        "",
        "## Budgets at a glance",
        "",
    ]
    glance = [
        (section.title, *figure_row(figure))
        for section in sections
        for figure in section.figures
        if figure.budgets
    ]
    out += markdown_table(("benchmark", *FIGURE_HEADERS), glance)
    for section in sections:
        number = order.index(section.key) + 1 if section.key in order else "·"
        out += ["", f"## {number}. {section.title}", ""]
        if section.state == "failed":
            out += ["**This benchmark failed; its figures are missing.**", ""]
        for alert in section.alerts:
            out += [f"> ⚠️ **{alert}**", ""]
        if section.figures:
            out += [*markdown_table(FIGURE_HEADERS, [figure_row(f) for f in section.figures]), ""]
            out += [f"- {f.label}: {f.note}" for f in section.figures if f.note]
        for table in section.tables:
            if out[-1] != "":
                out.append("")
            out += [f"**{table.title}**", ""] if table.title else []
            out += [*markdown_table(table.headers, table.rows), ""]
        out += [f"- {note}" for note in section.notes]
        out += [f"- {reason}" for reason in missing_reasons(section)]
        load = f" (1-minute load average {section.load})" if section.load else ""
        out += [f"- Took {section.seconds:.0f} s{load}."]
    if planned:
        out += ["", "## Not yet measured", ""]
        out += markdown_table(
            ("benchmark", "budget (DESIGN.md)"), [(b.title, b.budget) for b in planned]
        )
    out.append("")
    return "\n".join(out)


def render_summary(sections: list[Section], planned: list[Benchmark]) -> str:
    lines = ["", "Summary (median; ratio = anchor ÷ Badgekeeper)"]
    for section in sections:
        lines.append(
            f"  {section.title}" + ("" if section.state == "measured" else f" [{section.state}]")
        )
        for figure in section.figures:
            budgets, verdicts = verdict_text(figure)
            ours = _short(figure.ours, figure.unit)
            anchor = _short(figure.anchor, figure.unit)
            lines.append(
                f"    {figure.label:<34} ours {ours:>14}  anchor {anchor:>14}  "
                f"{ratio_text(figure):>7}  {budgets} → {verdicts}"
            )
        lines.extend(
            f"    {row[0]:<22} {row[2]:<30} {row[3]:<30} {row[4]}" for row in _rows(section.tables)
        )
        lines.extend(f"    !!! {alert}" for alert in section.alerts)
    if planned:
        lines.append("  Not yet measured: " + ", ".join(b.title for b in planned))
    return "\n".join(lines)


def _short(side: Side, unit: str) -> str:
    if isinstance(side, Sample):
        return f"{fmt(side.median)} {unit}"
    if side.reason.startswith(NO_ANCHOR_PREFIX):
        return "no anchor"
    return "not yet" if side.reason.startswith("not yet") else "—"


def _rows(tables: list[Table]) -> list[tuple[str, ...]]:
    return [row for table in tables if table.in_summary for row in table.rows]
