"""3. One hosted badge with 50 ms added to every request: cold and warm, both sides in-process.

Rules:
- The loopback issuer sleeps 50 ms before every answer (a round trip to a real issuer).
- Badgekeeper: cold = ``verify_url`` with a fresh ``SafeFetcher`` over an empty cache folder;
  warm = the same badge again with the same fetcher.
- validator-core: cold = ``verify()`` with a fresh cache, warm = ``verify()`` again; both of its
  cache options are run and each figure keeps the better one ("as it allows").
- One round on each side is run first and thrown away (first-call imports and set-up).
- A side that fails stops being measured; the other goes on.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.anchors import VALIDATOR_CORE, AnchorRunner, AnchorUnavailable
from bench.benchmarks.batch import context_map
from bench.issuer import MAIN_HOST
from bench.model import AtMost, Figure, Missing, Sample, Section, Side
from bench.ours import load
from bench.registry import Benchmark, RunContext
from bench.site import EARNER_EMAIL, batch_site, context_documents

DELAY_MS = 50
NS_PER_MS = 1_000_000
ANCHOR_MODES = ("memory", "sqlite")


class OursLatency:
    """Badgekeeper's in-process verifier, cold then warm, counting requests in between."""

    def __init__(self, ctx: RunContext, section: Section, url: str) -> None:
        self.ctx, self.section, self.url = ctx, section, url
        self.cold_ms: list[float] = []
        self.warm_ms: list[float] = []
        self.requests = (0, 0)
        self.statuses: set[str] = set()
        parts = [
            load("agent.fetch.client", "SafeFetcher"),
            load("agent.verify", "verify_url", "VerifyContext"),
            load("agent.fetch.guard", "parse_allow_hosts"),
        ]
        self.missing = next((part for part in parts if isinstance(part, Missing)), None)
        if self.missing is None:
            api = [name for part in parts if not isinstance(part, Missing) for name in part]
            self.safe_fetcher, self.verify_url, self.verify_context, self.parse_allow = api

    def round(self, loop: asyncio.AbstractEventLoop, *, keep: bool) -> None:
        if self.missing is not None:
            return
        try:
            loop.run_until_complete(self._round(keep=keep))
        except Exception as exc:  # a finding about Badgekeeper, not a harness crash
            self.section.alert(f"Badgekeeper's in-process verification raised {exc!r:.300}")
            self.missing = Missing(f"not measured: it raised {exc!r:.200}")

    async def _round(self, *, keep: bool) -> None:
        with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
            self.ctx.issuer.reset_counts()
            async with self.safe_fetcher(
                timeout=10.0, cache_dir=Path(cache), allow_hosts=self.parse_allow(MAIN_HOST)
            ) as fetcher:
                context = self.verify_context(fetcher=fetcher, emails=[EARNER_EMAIL])
                start = time.perf_counter()
                cold = await self.verify_url(self.url, context)
                cold_s = time.perf_counter() - start
                cold_requests = self.ctx.issuer.total_requests()
                start = time.perf_counter()
                warm = await self.verify_url(self.url, context)
                warm_s = time.perf_counter() - start
                warm_requests = self.ctx.issuer.total_requests() - cold_requests
        if keep:
            self.cold_ms.append(cold_s * 1000)
            self.warm_ms.append(warm_s * 1000)
            self.requests = (cold_requests, warm_requests)
            self.statuses |= {cold.status, warm.status}

    def sides(self) -> tuple[Side, Side]:
        if self.missing is not None or not self.cold_ms:
            missing = self.missing or Missing("no run")
            return missing, missing
        self.section.notes.append(
            f"Badgekeeper's requests, cold / warm: {self.requests[0]} / {self.requests[1]}."
        )
        if self.statuses != {"valid"}:
            self.section.alert(
                f"Badgekeeper reported {sorted(self.statuses)} instead of valid: figures are void."
            )
        return Sample.of(self.cold_ms), Sample.of(self.warm_ms)


class AnchorLatency:
    """validator-core in its runner: per cache option, cold then warm."""

    def __init__(self, ctx: RunContext, section: Section, url: str) -> None:
        self.ctx, self.section, self.url = ctx, section, url
        self.runner: AnchorRunner | None = None
        self.missing: Missing | None = None
        self.cold_ms: dict[str, list[float]] = defaultdict(list)
        self.warm_ms: dict[str, list[float]] = defaultdict(list)
        self.requests: dict[str, tuple[int, int]] = {}
        self.all_valid = True

    def attach(self, runner: AnchorRunner | Missing) -> None:
        if isinstance(runner, Missing):
            self.missing = runner
        else:
            self.runner = runner

    def round(self, *, keep: bool) -> None:
        if self.missing is not None or self.runner is None:
            return
        try:
            for mode in ANCHOR_MODES:
                self._round(self.runner, mode, keep=keep)
        except AnchorUnavailable as exc:
            self.missing = Missing(f"not measured: {exc}")

    def _round(self, runner: AnchorRunner, mode: str, *, keep: bool) -> None:
        times: list[float] = []
        requests: list[int] = []
        with tempfile.TemporaryDirectory(prefix="bench-vc-") as cache:
            for _ in ("cold", "warm"):  # the same cache folder: the second call is warm
                self.ctx.issuer.reset_counts()
                result = runner.call(
                    "verify",
                    inputs=[{"kind": "url", "value": self.url}],
                    email=EARNER_EMAIL,
                    mode=mode,
                    cache_dir=cache,
                )
                times.append(result["times_ns"][0] / NS_PER_MS)
                requests.append(self.ctx.issuer.total_requests())
                if keep:
                    self.all_valid &= bool(result["results"][0]["valid"])
        if keep:
            self.cold_ms[mode].append(times[0])
            self.warm_ms[mode].append(times[1])
            self.requests[mode] = (requests[0], requests[1])

    def sides(self) -> tuple[Side, Side]:
        if self.missing is not None or not self.cold_ms:
            missing = self.missing or Missing("no run")
            return missing, missing
        cold_mode, cold = _best(self.cold_ms)
        warm_mode, warm = _best(self.warm_ms)
        self.section.notes.append(
            f"validator-core: cold uses its `{cold_mode}` cache option, warm its `{warm_mode}` "
            "option (the better of `memory` and `sqlite` for each); its requests, cold / warm: "
            + ", ".join(f"`{m}` {r[0]} / {r[1]}" for m, r in self.requests.items())
            + "."
        )
        if self.requests.get(warm_mode, (0, 1))[1] == 0:
            self.section.notes.append(
                f"validator-core's warm `{warm_mode}` run makes no request at all: requests-cache "
                "0.4 keeps every answer for 300 s whatever its Cache-Control says (the assertion "
                "is served `no-cache`), so a revocation inside that window goes unseen."
            )
        if not self.all_valid:
            self.section.alert("validator-core did not find the badge valid: its figures are void.")
        return cold, warm


def _best(samples: dict[str, list[float]]) -> tuple[str, Sample]:
    mode = min(samples, key=lambda m: statistics.median(samples[m]))
    return mode, Sample.of(samples[mode])


def run(ctx: RunContext) -> Section:
    section = Section("latency", f"One hosted badge at {DELAY_MS} ms per request")
    documents, urls = batch_site(ctx.issuer.base(), 1, prefix="/latency")
    ctx.issuer.load(documents | context_documents())
    ours = OursLatency(ctx, section, urls[0])
    anchor = AnchorLatency(ctx, section, urls[0])
    rounds = ctx.repeats(15, 3)
    ctx.issuer.set_delay(DELAY_MS)
    loop = asyncio.new_event_loop()
    try:
        with ctx.anchor(VALIDATOR_CORE, context_map(ctx)) as runner:
            anchor.attach(runner)
            ctx.log(f"  {rounds} rounds (+1 discarded): validator-core (both options), then ours")
            for index in range(rounds + 1):
                anchor.round(keep=index > 0)
                ours.round(loop, keep=index > 0)
    finally:
        ctx.issuer.set_delay(0)
        loop.close()
    ours_cold, ours_warm = ours.sides()
    anchor_cold, anchor_warm = anchor.sides()
    section.figures += [
        Figure("cold (empty cache)", "ms", ours_cold, anchor_cold, (AtMost(160),)),
        Figure("warm (same badge again)", "ms", ours_warm, anchor_warm, (AtMost(60),)),
    ]
    return section


BENCHMARK = Benchmark("latency", f"One hosted badge at {DELAY_MS} ms per request", run)
