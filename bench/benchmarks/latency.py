"""3. One hosted badge with 50 ms added to every request: cold and warm, both sides in-process.

Rules:
- The loopback issuer sleeps 50 ms before every answer (a round trip to a real issuer).
- Badgekeeper: cold = ``verify_url`` with a fresh ``SafeFetcher`` over an empty cache folder;
  warm = the same badge again with the same fetcher.
- validator-core: cold = ``verify()`` with a fresh cache, warm = ``verify()`` again; both of its
  cache options are run and each figure keeps the better one ("as it allows").
- One round on each side is run first and thrown away (first-call imports and set-up).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.anchors import VALIDATOR_CORE, AnchorRunner, AnchorUnavailable
from bench.benchmarks.batch import context_map
from bench.issuer import MAIN_HOST
from bench.model import AtMost, Figure, Missing, Sample, Section, Side
from bench.ours import load
from bench.registry import Benchmark, RunContext
from bench.site import EARNER_EMAIL, batch_site, context_documents

DELAY_MS = 50
NS_PER_MS = 1_000_000


class OursLatency:
    """Badgekeeper's in-process verifier, cold then warm, counting requests in between."""

    def __init__(self, ctx: RunContext, url: str, api: list[Any]) -> None:
        self.ctx = ctx
        self.url = url
        self.safe_fetcher, self.verify_url, self.verify_context, self.parse_allow = api
        self.cold_ms: list[float] = []
        self.warm_ms: list[float] = []
        self.requests: tuple[int, int] = (0, 0)
        self.statuses: set[str] = set()

    async def round(self, *, keep: bool) -> None:
        loop = asyncio.get_running_loop()
        with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
            self.ctx.issuer.reset_counts()
            async with self.safe_fetcher(
                timeout=10.0, cache_dir=Path(cache), allow_hosts=self.parse_allow(MAIN_HOST)
            ) as fetcher:
                context = self.verify_context(fetcher=fetcher, emails=[EARNER_EMAIL])
                start = loop.time()
                cold = await self.verify_url(self.url, context)
                cold_s = loop.time() - start
                cold_requests = self.ctx.issuer.total_requests()
                start = loop.time()
                warm = await self.verify_url(self.url, context)
                warm_s = loop.time() - start
                warm_requests = self.ctx.issuer.total_requests() - cold_requests
        if keep:
            self.cold_ms.append(cold_s * 1000)
            self.warm_ms.append(warm_s * 1000)
            self.requests = (cold_requests, warm_requests)
            self.statuses |= {cold.status, warm.status}


class AnchorLatency:
    """validator-core in its runner: per cache option, cold then warm."""

    def __init__(self, ctx: RunContext, url: str, runner: AnchorRunner) -> None:
        self.ctx = ctx
        self.url = url
        self.runner = runner
        self.cold_ms: dict[str, list[float]] = defaultdict(list)
        self.warm_ms: dict[str, list[float]] = defaultdict(list)
        self.requests: dict[str, tuple[int, int]] = {}
        self.all_valid = True

    def round(self, mode: str, *, keep: bool) -> None:
        times: list[float] = []
        requests: list[int] = []
        valid = True
        with tempfile.TemporaryDirectory(prefix="bench-vc-") as cache:
            for _ in ("cold", "warm"):  # the same cache folder: the second call is warm
                self.ctx.issuer.reset_counts()
                result = self.runner.call(
                    "verify",
                    inputs=[{"kind": "url", "value": self.url}],
                    email=EARNER_EMAIL,
                    mode=mode,
                    cache_dir=cache,
                )
                times.append(result["times_ns"][0] / NS_PER_MS)
                requests.append(self.ctx.issuer.total_requests())
                valid &= bool(result["results"][0]["valid"])
        if keep:
            self.cold_ms[mode].append(times[0])
            self.warm_ms[mode].append(times[1])
            self.requests[mode] = (requests[0], requests[1])
            self.all_valid &= valid

    def best(self, samples: dict[str, list[float]]) -> tuple[str, Sample] | None:
        if not samples:
            return None
        mode = min(samples, key=lambda m: statistics.median(samples[m]))
        return mode, Sample.of(samples[mode])


def run(ctx: RunContext) -> Section:
    section = Section("latency", f"One hosted badge at {DELAY_MS} ms per request")
    documents, urls = batch_site(ctx.issuer.base(), 1, prefix="/latency")
    ctx.issuer.load(documents | context_documents())
    url = urls[0]
    api_parts = [
        load("agent.fetch.client", "SafeFetcher"),
        load("agent.verify", "verify_url", "VerifyContext"),
        load("agent.fetch.guard", "parse_allow_hosts"),
    ]
    missing = next((p for p in api_parts if isinstance(p, Missing)), None)
    api = [name for part in api_parts if not isinstance(part, Missing) for name in part]
    ours = None if missing else OursLatency(ctx, url, api)
    anchor: AnchorLatency | None = None
    anchor_missing: Missing = Missing("no run")
    rounds = ctx.repeats(15, 3)
    modes = ("memory", "sqlite")
    ctx.issuer.set_delay(DELAY_MS)
    loop = asyncio.new_event_loop()
    try:
        with ctx.anchor(VALIDATOR_CORE, context_map(ctx)) as runner:
            if isinstance(runner, AnchorRunner):
                anchor = AnchorLatency(ctx, url, runner)
            else:
                anchor_missing = runner
            ctx.log(f"  {rounds} rounds (+1 discarded), each: validator-core ×2 options, then ours")
            for index in range(rounds + 1):
                keep = index > 0
                if anchor is not None:
                    try:
                        for mode in modes:
                            anchor.round(mode, keep=keep)
                    except AnchorUnavailable as exc:
                        anchor, anchor_missing = None, Missing(f"not measured: {exc}")
                if ours is not None:
                    try:
                        loop.run_until_complete(ours.round(keep=keep))
                    except Exception as exc:  # a finding about Badgekeeper, not a harness crash
                        section.alert(f"Badgekeeper's in-process verification raised {exc!r:.300}")
                        ours, missing = None, Missing(f"not measured: it raised {exc!r:.200}")
    finally:
        ctx.issuer.set_delay(0)
        loop.close()

    ours_cold: Side = missing or Missing("no run")
    ours_warm: Side = ours_cold
    if ours is not None:
        ours_cold, ours_warm = Sample.of(ours.cold_ms), Sample.of(ours.warm_ms)
    anchor_cold: Side = anchor_missing
    anchor_warm: Side = anchor_missing
    if anchor is not None:
        best_cold, best_warm = anchor.best(anchor.cold_ms), anchor.best(anchor.warm_ms)
        if best_cold and best_warm:
            anchor_cold, anchor_warm = best_cold[1], best_warm[1]
            section.notes.append(
                f"validator-core: cold uses its `{best_cold[0]}` cache option, warm its "
                f"`{best_warm[0]}` option (the better of `memory` and `sqlite` for each); "
                "its requests, cold / warm: "
                + ", ".join(f"`{m}` {r[0]} / {r[1]}" for m, r in anchor.requests.items())
                + "."
            )
        if not anchor.all_valid:
            section.alert("validator-core did not find the badge valid: its figures are void.")
    if ours is not None:
        section.notes.append(
            f"Badgekeeper's requests, cold / warm: {ours.requests[0]} / {ours.requests[1]}."
        )
        if ours.statuses != {"valid"}:
            section.alert(
                f"Badgekeeper reported {sorted(ours.statuses)} instead of valid: figures are void."
            )
    section.figures += [
        Figure("cold (empty cache)", "ms", ours_cold, anchor_cold, (AtMost(160),)),
        Figure("warm (same badge again)", "ms", ours_warm, anchor_warm, (AtMost(60),)),
    ]
    return section


BENCHMARK = Benchmark("latency", f"One hosted badge at {DELAY_MS} ms per request", run)
