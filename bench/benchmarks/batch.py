"""2. Verify 200 hosted badges of one issuer on loopback: one ``badgekeeper verify`` process vs
validator-core's Python API called in a loop.

Rules:
- The same 200 assertion URLs for both, served by the loopback issuer, which counts requests.
- Badgekeeper: ONE ``badgekeeper verify --json URL×200`` child; its wall time includes start-up
  and imports, its memory is its own peak RSS (``wait4``).
- validator-core: ``openbadges.verifier.verify`` per badge in a fresh runner process; its time
  is the sum of the ``verify`` calls (its start-up and imports are left out, in its favour); its
  memory is the runner's peak RSS. In a full run both of its cache options are tried first on
  40 of the badges and the faster is measured ("its best mode").
- A figure counts only if every badge was found valid on that side; otherwise it is flagged.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from dataclasses import dataclass, field
from typing import Any

from bench.anchors import VALIDATOR_CORE, AnchorUnavailable
from bench.issuer import MAIN_HOST
from bench.model import AtMost, FasterBy, Figure, Missing, Sample, Section, Side
from bench.ours import cli_missing, run_cli
from bench.registry import Benchmark, RunContext
from bench.site import CONTEXT_PATH, EARNER_EMAIL, OB2_CONTEXT, batch_site, context_documents
from bench.startup_profile import breakdown_tables

BADGES = 200
PROBE_BADGES = 40
BYTES_PER_MB = 1_000_000
VALIDATOR_PEAK_KEY = "validator-core peak RSS, 200-badge batch"  # read by agent-memory


@dataclass
class SideRuns:
    seconds: list[float] = field(default_factory=list)
    requests_per_badge: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    startup_s: list[float] = field(default_factory=list)  # process start until ready to work
    invalid_runs: list[str] = field(default_factory=list)

    def work_only(self, missing: Missing | None, *, includes_startup: bool) -> Side:
        """The time spent verifying, start-up excluded (per round)."""
        if missing is not None:
            return missing
        if not self.seconds or (includes_startup and len(self.startup_s) != len(self.seconds)):
            return Missing("no run completed")
        if not includes_startup:
            return Sample.of(self.seconds)
        return Sample.of([s - u for s, u in zip(self.seconds, self.startup_s, strict=True)])

    def figures(self, missing: Missing | None) -> tuple[Side, Side, Side]:
        if missing is not None:
            return missing, missing, missing
        if not self.seconds:
            return (Missing("no run completed"),) * 3
        return (
            Sample.of(self.seconds),
            Sample.of(self.requests_per_badge),
            Sample.of(self.rss_mb),
        )


def context_map(ctx: RunContext) -> str:
    """validator-core's context URLs → their copy on the loopback issuer (argv of its runner)."""
    local = ctx.issuer.base() + CONTEXT_PATH
    return json.dumps({OB2_CONTEXT: local, "https://openbadgespec.org/v2/context.json": local})


def run_anchor(ctx: RunContext, urls: list[str], mode: str, runs: SideRuns) -> Missing | None:
    ctx.issuer.reset_counts()
    with (
        ctx.anchor(VALIDATOR_CORE, context_map(ctx)) as anchor,
        tempfile.TemporaryDirectory(prefix="bench-vc-") as cache_dir,
    ):
        if isinstance(anchor, Missing):
            return anchor
        runs.startup_s.append(anchor.startup_s)
        inputs = [{"kind": "url", "value": url} for url in urls]
        try:
            result = anchor.call(
                "verify", inputs=inputs, email=EARNER_EMAIL, mode=mode, cache_dir=cache_dir
            )
        except AnchorUnavailable as exc:
            return Missing(f"not measured: {exc}")
    requests = ctx.issuer.total_requests()
    valid = sum(r["valid"] for r in result["results"])
    if valid != len(urls):
        first = next(r for r in result["results"] if not r["valid"])
        runs.invalid_runs.append(
            f"{valid}/{len(urls)} valid ({mode}); first error: {first['errors'][:1]}"
        )
    runs.seconds.append(sum(result["times_ns"]) / 1e9)
    runs.requests_per_badge.append(requests / len(urls))
    runs.rss_mb.append(result["max_rss_bytes"] / BYTES_PER_MB)
    return None


def run_ours(ctx: RunContext, urls: list[str], runs: SideRuns) -> None:
    ctx.issuer.reset_counts()
    done = run_cli(
        ["verify", "--json", "--email", EARNER_EMAIL, *urls],
        env={"BADGEKEEPER_ALLOW_HOSTS": MAIN_HOST},
    )
    requests = ctx.issuer.total_requests()
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    valid = sum(line.get("status") == "valid" for line in lines)
    if valid != len(urls):
        first: dict[str, Any] = next((ln for ln in lines if ln.get("status") != "valid"), {})
        runs.invalid_runs.append(
            f"{valid}/{len(urls)} valid (exit {done.returncode}); first: "
            f"{first.get('status')} {first.get('errors', [])[:1]} {done.stderr.strip()[-300:]}"
        )
    runs.seconds.append(done.wall_s)
    runs.requests_per_badge.append(requests / len(urls))
    runs.rss_mb.append(done.max_rss_bytes / BYTES_PER_MB)
    # The same process set-up with no work: what start-up and imports cost in this round.
    runs.startup_s.append(run_cli(["--version"], env={}).wall_s)


def choose_anchor_mode(ctx: RunContext, urls: list[str], section: Section) -> str:
    """validator-core's faster cache option on a sample of the badges ("its best mode")."""
    probes: dict[str, SideRuns] = {}
    for mode in ("memory", "sqlite"):
        ctx.log(f"  validator-core, cache option {mode!r}: probe on {len(urls)} badges")
        probes[mode] = SideRuns()
        if run_anchor(ctx, urls, mode, probes[mode]) is not None:
            return "memory"
    best = min(probes, key=lambda mode: probes[mode].seconds[0])
    section.notes.append(
        f"validator-core's cache options, probed on {len(urls)} badges: "
        + "; ".join(
            f"`{mode}` {runs.seconds[0]:.2f} s, {runs.requests_per_badge[0]:.2f} requests per badge"
            for mode, runs in probes.items()
        )
        + f". The faster, `{best}`, is the one measured."
    )
    return best


def run(ctx: RunContext) -> Section:
    section = Section("batch", f"Verify {BADGES} hosted badges of one issuer on loopback")
    documents, urls = batch_site(ctx.issuer.base(), BADGES)
    ctx.issuer.load(documents | context_documents())
    ctx.issuer.set_delay(0)
    ours_missing = cli_missing()
    anchor_missing = ctx.anchor_missing(VALIDATOR_CORE)
    ours, theirs = SideRuns(), SideRuns()

    best = "memory"  # validator-core's default
    if anchor_missing is None and not ctx.quick:
        best = choose_anchor_mode(ctx, urls[:PROBE_BADGES], section)
    rounds = ctx.repeats(5, 1)
    for index in range(rounds):
        ctx.log(f"  round {index + 1}/{rounds}: validator-core ({best}), then Badgekeeper")
        if anchor_missing is None:
            anchor_missing = run_anchor(ctx, urls, best, theirs)
        if ours_missing is None:
            run_ours(ctx, urls, ours)

    for side, runs in (("Badgekeeper", ours), ("validator-core", theirs)):
        for problem in runs.invalid_runs:
            section.alert(
                f"{side} did not find every badge valid: {problem}. Its figures are void."
            )
    ours_t, ours_r, ours_m = ours.figures(ours_missing)
    anchor_t, anchor_r, anchor_m = theirs.figures(anchor_missing)
    if isinstance(anchor_m, Sample) and not theirs.invalid_runs:
        ctx.shared[VALIDATOR_PEAK_KEY] = anchor_m  # the anchor of agent-memory's batch figure
    section.figures += [
        Figure(f"{BADGES} badges: ours whole process", "s", ours_t, anchor_t, (FasterBy(10),)),
        Figure(
            f"{BADGES} badges: start-up excluded", "s",
            ours.work_only(ours_missing, includes_startup=True),
            theirs.work_only(anchor_missing, includes_startup=False),
            note="Badgekeeper's wall time less its `badgekeeper --version` time in the same "
            "round; validator-core's verify() calls",
        ),
        Figure("HTTP requests per badge", "req", ours_r, anchor_r, (AtMost(1.2),)),
        Figure(
            "peak memory (RSS of the process)", "MB", ours_m, anchor_m,
            note="for reference: DESIGN's agent budget during a 200-badge batch is ≤ 80 MB",
        ),
    ]  # fmt: skip
    section.notes.append(
        "Badgekeeper's time is the whole `badgekeeper verify --json` process (start-up and "
        "imports included); validator-core's is the sum of its `verify()` calls only."
    )
    if isinstance(ours_t, Sample) and isinstance(anchor_t, Sample) and ours.startup_s:
        needed = anchor_t.median / 10
        startup = statistics.median(ours.startup_s)
        if ours_t.median > needed:
            section.notes.append(
                f"Why the 10× is missed: it needs the whole `badgekeeper verify` process in "
                f"≤ {needed:.2f} s (validator-core's {anchor_t.median:.2f} s ÷ 10); it took "
                f"{ours_t.median:.2f} s, of which {startup:.2f} s is start-up alone "
                "(`badgekeeper --version`: the interpreter and `import agent.cli`), the rest "
                "fetching, verifying and caching. The tables below say where both go."
            )
    if ours_missing is None:
        ctx.log("  where Badgekeeper's time goes: start-up, imports, one run under cProfile")
        tables, notes = breakdown_tables(
            ["verify", "--json", "--email", EARNER_EMAIL, *urls],
            {"BADGEKEEPER_ALLOW_HOSTS": MAIN_HOST},
            rounds=ctx.repeats(5, 2),
        )
        section.tables += tables
        section.notes += notes
    for side, runs in (("Badgekeeper", ours), ("validator-core", theirs)):
        if runs.startup_s:
            section.notes.append(
                f"{side}'s process start-up (interpreter and imports, until ready to work): "
                f"{statistics.median(runs.startup_s):.2f} s median."
            )
    return section


BENCHMARK = Benchmark("batch", f"Verify {BADGES} hosted badges of one issuer", run)
