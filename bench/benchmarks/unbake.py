"""1. Unbake a 10 MB PNG and a 10 MB SVG: Badgekeeper in-process vs openbadges-bakery 2.0.0.

Both sides unbake bytes already in memory, timed with ``perf_counter_ns`` around the call and,
in separate calls, measured with ``tracemalloc`` (the same code, bench/runners/protocol.py, in
both interpreters). Rounds alternate anchor and Badgekeeper so drift hits both alike.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.anchors import BAKERY, AnchorRunner, AnchorUnavailable
from bench.fixtures import Fixture, ensure_fixtures
from bench.model import AtMost, FasterBy, Figure, Missing, Sample, Section, Side
from bench.ours import load
from bench.registry import Benchmark, RunContext
from bench.runners.protocol import timed_calls, traced_peak_bytes
from bench.site import badge_image_png

NS_PER_MS = 1_000_000
BYTES_PER_MB = 1_000_000


@dataclass
class Measured:
    times_ms: list[float] = field(default_factory=list)
    peaks_mb: list[float] = field(default_factory=list)
    payload_ok: bool | None = None


def run_fixture(
    ctx: RunContext,
    section: Section,
    fixture: Fixture,
    label: str,
    anchor: AnchorRunner | Missing,
    unbake: Callable[[bytes], object] | Missing,
    rounds: int,
    per_round: int,
) -> tuple[Side, Side, Side, Side]:
    data = fixture.path.read_bytes()
    want = hashlib.sha256(fixture.payload.encode()).hexdigest()
    ours, theirs = Measured(), Measured()
    ctx.log(f"  {label}: {rounds} rounds × {per_round} calls per side")
    for _ in range(rounds):
        if isinstance(anchor, AnchorRunner):
            try:
                answer = anchor.call("unbake", path=str(fixture.path), repeat=per_round)
            except AnchorUnavailable as exc:
                anchor = Missing(f"not measured: {exc}")
                section.alert(f"openbadges-bakery could not unbake the {label}: {exc}")
            else:
                theirs.times_ms += [t / NS_PER_MS for t in answer["times_ns"]]
                theirs.payload_ok = answer["payload_sha256"] == want
        if not isinstance(unbake, Missing):
            call = functools.partial(unbake, data)
            try:
                times, result = timed_calls(call, per_round)
            except Exception as exc:  # Badgekeeper's failure is a finding, not a harness crash
                unbake = Missing(f"not measured: Badgekeeper's unbake raised {exc!r:.200}")
                section.alert(f"Badgekeeper could not unbake the {label}: {exc!r:.200}")
                continue
            ours.times_ms += [t / NS_PER_MS for t in times]
            ours.payload_ok = getattr(result, "payload", None) == fixture.payload
    memory_runs = 2 if rounds > 2 else 1
    for _ in range(memory_runs):
        if isinstance(anchor, AnchorRunner):
            peak = anchor.call("unbake_memory", path=str(fixture.path))["peak_bytes"]
            theirs.peaks_mb.append(peak / BYTES_PER_MB)
        if not isinstance(unbake, Missing):
            ours.peaks_mb.append(traced_peak_bytes(lambda: unbake(data)) / BYTES_PER_MB)
    for side, measured in (("Badgekeeper", ours), ("openbadges-bakery", theirs)):
        if measured.payload_ok is False:
            section.alert(
                f"{side} did not return the baked payload of the {label}: its figure is void"
            )
    return (
        _side(ours.times_ms, unbake),
        _side(theirs.times_ms, anchor),
        _side(ours.peaks_mb, unbake),
        _side(theirs.peaks_mb, anchor),
    )


def interop_note(anchor: AnchorRunner | Missing, folder: Path, payload: str) -> str | None:
    """Whether openbadges-bakery reads back what Badgekeeper's ``bake`` wrote (PNG and SVG)."""
    found = load("agent.bakery", "bake")
    if isinstance(found, Missing) or isinstance(anchor, Missing):
        return None
    bake = found[0]
    assertion_id = json.loads(payload)["id"]
    accepted = {hashlib.sha256(text.encode()).hexdigest() for text in (payload, assertion_id)}
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8"/></svg>'
    answers = []
    for name, image in (("PNG", badge_image_png()), ("SVG", svg)):
        path = folder / f"baked-by-badgekeeper.{name.lower()}"
        try:
            path.write_bytes(bake(image, payload))
            got = anchor.call("unbake", path=str(path), repeat=1)["payload_sha256"]
            answers.append(f"{name} {'yes' if got in accepted else 'NO'}")
        except Exception as exc:  # an interop failure is a finding, not a harness crash
            answers.append(f"{name} failed ({exc!r:.120})")
    return "Interop: openbadges-bakery 2.0.0 reads back what Badgekeeper's `bake` wrote: " + (
        ", ".join(answers) + "."
    )


def _side(values: list[float], source: object) -> Side:
    if isinstance(source, Missing):
        return source
    return Sample.of(values) if values else Missing("no measurement")


def run(ctx: RunContext) -> Section:
    section = Section("unbake", "Unbake a 10 MB image")
    png, svg = ensure_fixtures(ctx.work_dir)
    section.notes.append(
        f"Fixtures: PNG {png.size / BYTES_PER_MB:.1f} MB of random pixels with the `iTXt` badge "
        f"chunk after the image data; SVG {svg.size / BYTES_PER_MB:.1f} MB with the "
        "`openbadges:assertion` element last (CDATA JSON). Both sides unbake bytes already in "
        "memory; memory is the tracemalloc peak above the baseline, in a separate call."
    )
    found = load("agent.bakery", "unbake")
    unbake: Callable[[bytes], object] | Missing = found if isinstance(found, Missing) else found[0]
    with ctx.anchor(BAKERY) as anchor:
        note = interop_note(anchor, png.path.parent, png.payload)
        if note:
            section.notes.append(note)
        png_t = run_fixture(
            ctx, section, png, "10 MB PNG", anchor, unbake,
            rounds=ctx.repeats(10, 2), per_round=ctx.repeats(50, 10),
        )  # fmt: skip
        svg_t = run_fixture(
            ctx, section, svg, "10 MB SVG", anchor, unbake,
            rounds=ctx.repeats(5, 2), per_round=1,
        )  # fmt: skip
    section.figures += [
        Figure("10 MB PNG: time", "ms", png_t[0], png_t[1], (AtMost(0.3), FasterBy(10))),
        Figure(
            "10 MB PNG: peak extra memory", "MB", png_t[2], png_t[3], (AtMost(1.0),),
            note="DESIGN asks for constant memory; read as ≤ 1 MB",
        ),
        Figure("10 MB SVG: time", "ms", svg_t[0], svg_t[1], (AtMost(50),)),
        Figure("10 MB SVG: peak extra memory", "MB", svg_t[2], svg_t[3], (AtMost(10),)),
    ]  # fmt: skip
    return section


BENCHMARK = Benchmark("unbake", "Unbake a 10 MB PNG and SVG", run)
