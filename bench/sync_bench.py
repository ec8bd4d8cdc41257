"""Sync of a library of 10,000 badges from 50 issuers on loopback: the machinery and a runner.

    .venv/bin/python -m bench.sync_bench [ISSUERS] [PER_ISSUER]    # one round, printed

The ``sync`` benchmark (``bench/benchmarks/sync.py``) uses these functions.

Rules:
- The issuers are ONE separate process (``bench.issuer_server --listeners ISSUERS``): each
  issuer has its own port on 127.0.0.1, so its own origin, and its own slot in the sync engine's
  per-host limit (``agent.sync.limits`` keys on host:port). Each serves an issuer profile, a
  badge class and an image (``max-age=3600``) and PER_ISSUER hosted OB 2.0 assertions
  (``no-cache`` with an ETag, as revocation demands): :func:`bench.site.batch_site`.
- Setup (untimed): each assertion's JSON is baked into its own PNG, as an issuer's mail carries
  it, and saved as the keeper saves it: unbaked, verified for real against the issuers (in
  process, ``SETUP_CONCURRENCY`` at once, the earner's address given so recipients are checked,
  no HTTP cache kept), then ``Library.save`` with that verdict. For speed the verdicts come
  first and the saves follow on one thread, into a library built on tmpfs when there is one
  (no fsync cost), then copied to the disk the syncs run on. The library's SQLite file is
  snapshotted, so every cold sync starts from the same library (each badge verified once), not
  from one that earlier rounds grew.
- A measured sync is one ``badgekeeper sync --json [--force]`` child, as a user runs it:
  ``BADGEKEEPER_HOME`` = the library's home, ``BADGEKEEPER_ALLOW_HOSTS=127.0.0.1`` (the
  loopback issuers, any port), no agent running, so it syncs in its own process. Wall time is
  taken around ``wait4``, peak memory is its VmHWM (:func:`bench.ours.run_cli`), requests are
  what the issuer process counted.
- Kinds: ``cold`` = ``--force`` on the snapshot, with the HTTP cache folder moved away (every
  document is fetched again); ``warm`` = ``--force`` right after a cold one (assertions answer
  304, badge classes and issuers are fresh in the disk cache); ``scheduled`` = no ``--force``
  right after (nothing is due by cadence: what the agent's timer costs between checks).
- A run counts only if its summary is what the library implies: every badge checked (none for
  ``scheduled``), none changed, none unreachable, no errors; otherwise it says why.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agent.bakery import bake, read_source
from agent.bakery.model import Unbaked
from agent.fetch.client import SafeFetcher
from agent.fetch.guard import parse_allow_hosts
from agent.library import Library, SourceInfo
from agent.paths import resolve_paths
from agent.verify import Verdict, VerifyContext, utc_now, verify_unbaked
from bench.issuer import MAIN_HOST, Issuer
from bench.ours import run_cli
from bench.site import EARNER_EMAIL, badge_image_png, batch_site

ISSUERS = 50
PER_ISSUER = 200
SETUP_CONCURRENCY = 32
BYTES_PER_MB = 1_000_000
SYNC_TIMEOUT_S = 600.0

SyncKind = Literal["cold", "warm", "scheduled"]
KINDS: tuple[SyncKind, ...] = ("cold", "warm", "scheduled")
FLAGS: dict[SyncKind, tuple[str, ...]] = {
    "cold": ("--force",),
    "warm": ("--force",),
    "scheduled": (),
}


@dataclass(frozen=True)
class SyncSite:
    """What the issuer process serves: one assertion URL list per issuer."""

    urls: list[list[str]]
    assertions: dict[str, str]  # assertion URL → its JSON, as served

    @property
    def badges(self) -> int:
        return sum(len(per_issuer) for per_issuer in self.urls)

    def interleaved(self) -> list[str]:
        """The assertion URLs one issuer after another (as badges arrive in a mailbox)."""
        longest = max(len(urls) for urls in self.urls)
        return [urls[n] for n in range(longest) for urls in self.urls if n < len(urls)]


def serve_issuers(issuer: Issuer, issuers: int, per_issuer: int) -> SyncSite:
    """Load ``issuers`` sites of ``per_issuer`` hosted badges, one per listener of ``issuer``."""
    bases = issuer.bases(MAIN_HOST)
    if len(bases) < issuers:
        raise ValueError(f"the issuer process listens on {len(bases)} ports, not {issuers}")
    urls: list[list[str]] = []
    assertions: dict[str, str] = {}
    for number, base in enumerate(bases[:issuers]):
        documents, site_urls = batch_site(base, per_issuer, prefix=f"/sync/issuer-{number:02d}")
        issuer.load(documents)
        for url in site_urls:
            assertions[url] = documents[url.removeprefix(base)].body.decode()
        urls.append(site_urls)
    issuer.set_delay(0)
    return SyncSite(urls, assertions)


# --- setup -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """One badge as the keeper holds it just before the library write."""

    image: bytes
    unbaked: Unbaked
    verdict: Verdict


@dataclass(frozen=True)
class Setup:
    """The filled library, its snapshot, and what filling it took."""

    home: Path
    snapshot: Path  # the library's SQLite file right after the saves
    verify_s: float
    save_s: float
    statuses: Counter[str]

    def restore(self) -> None:
        """Put the library back as the setup left it (the badge files never change)."""
        database = resolve_paths({"BADGEKEEPER_HOME": str(self.home)}).library_db
        for suffix in ("-wal", "-shm"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(self.snapshot, database)


async def _verify_all(site: SyncSite, concurrency: int) -> list[Verified]:
    image = badge_image_png()
    gate = asyncio.Semaphore(concurrency)
    async with SafeFetcher(allow_hosts=parse_allow_hosts(MAIN_HOST)) as fetcher:
        ctx = VerifyContext(fetcher=fetcher, clock=utc_now, emails=(EARNER_EMAIL,))

        async def verify(url: str) -> Verified:
            baked = bake(image, site.assertions[url])
            unbaked = read_source(baked)
            async with gate:
                verdict = await verify_unbaked(unbaked, ctx, source=url)
            return Verified(baked, unbaked, verdict)

        return list(await asyncio.gather(*(verify(url) for url in site.interleaved())))


def _save_all(home: Path, badges: list[Verified]) -> None:
    source = SourceInfo(
        page_url="https://mail.example/inbox",
        mail_subject="You earned a badge",
        mail_sender="badges@benchmark.example",
    )
    with Library(resolve_paths({"BADGEKEEPER_HOME": str(home)})) as library:
        library.add_email(EARNER_EMAIL)
        for badge in badges:
            library.save(
                verdict=badge.verdict,
                payload=badge.unbaked.payload,
                payload_kind=badge.unbaked.kind.value,
                image=badge.image,
                media_type="image/png",
                source=source,
            )


def staging_folder() -> Path | None:
    """A tmpfs folder to build the library in (fsync costs nothing there), if there is one."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


def fill_library(home: Path, site: SyncSite, concurrency: int = SETUP_CONCURRENCY) -> Setup:
    """A library in ``home`` holding every badge of ``site``, verified for real; snapshotted."""
    started = time.perf_counter()
    badges = asyncio.run(_verify_all(site, concurrency))
    verified = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bk-bench-sync-", dir=staging_folder()) as staging:
        _save_all(Path(staging) / "home", badges)
        shutil.copytree(Path(staging) / "home", home)
    snapshot = home.parent / "library-snapshot.sqlite3"
    shutil.copyfile(resolve_paths({"BADGEKEEPER_HOME": str(home)}).library_db, snapshot)
    statuses = Counter(str(badge.verdict.status) for badge in badges)
    return Setup(home, snapshot, verified - started, time.perf_counter() - verified, statuses)


# --- one sync ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncRun:
    """One ``badgekeeper sync`` process."""

    kind: SyncKind
    seconds: float
    peak_mb: float
    requests: int
    summary: dict[str, Any]
    problem: str | None  # why this run does not count, or None


def sync_env(home: Path) -> dict[str, str]:
    return {"BADGEKEEPER_HOME": str(home), "BADGEKEEPER_ALLOW_HOSTS": MAIN_HOST}


def sync_args(kind: SyncKind) -> list[str]:
    return ["sync", "--json", *FLAGS[kind]]


def prepare(setup: Setup, kind: SyncKind) -> None:
    """A cold sync starts from the snapshot with no HTTP cache; the others from what is there."""
    if kind != "cold":
        return
    setup.restore()
    cache = resolve_paths({"BADGEKEEPER_HOME": str(setup.home)}).http_cache
    if cache.exists():
        # Moved aside, not deleted (the temporary folder goes at the end): deleting 10,000 files
        # just before the run leaves ext4 slow to create the run's own, which no user meets.
        cache.rename(setup.home.parent / f"http-cache-{time.monotonic_ns()}")


def _problem(kind: SyncKind, badges: int, summary: dict[str, Any]) -> str | None:
    expected = 0 if kind == "scheduled" else badges
    if summary.get("checked") != expected:
        return f"checked {summary.get('checked')} of {expected}"
    if summary.get("changed") or summary.get("unreachable"):
        return f"{summary.get('changed')} changed, {summary.get('unreachable')} unreachable"
    if summary.get("errors"):
        return f"errors: {json.dumps(summary['errors'])[:300]}"
    return None


def run_sync(issuer: Issuer, setup: Setup, kind: SyncKind, badges: int) -> SyncRun:
    """One timed ``badgekeeper sync`` of ``kind`` on the library of ``setup``."""
    prepare(setup, kind)
    issuer.reset_counts()
    done = run_cli(sync_args(kind), env=sync_env(setup.home), timeout=SYNC_TIMEOUT_S)
    requests = issuer.total_requests()
    try:
        summary: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        summary = {}
    problem = _problem(kind, badges, summary) if summary else None
    if not summary or done.returncode != 0:
        problem = f"exit {done.returncode}: {problem or ''} {done.stderr.strip()[-300:]}"
    return SyncRun(kind, done.wall_s, done.max_rss_bytes / BYTES_PER_MB, requests, summary, problem)


def describe(run: SyncRun, badges: int) -> str:
    text = (
        f"{run.kind:<9} {run.seconds:7.2f} s   peak {run.peak_mb:5.1f} MB   "
        f"{run.requests:6d} requests ({run.requests / badges:.2f} per badge)"
    )
    return text + (f"   NOT COUNTED: {run.problem}" if run.problem else "")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    issuers = int(args[0]) if args else ISSUERS
    per_issuer = int(args[1]) if len(args) > 1 else PER_ISSUER
    with (
        Issuer((MAIN_HOST,), listeners=issuers) as issuer,
        tempfile.TemporaryDirectory(prefix="bk-bench-sync-") as folder,
    ):
        site = serve_issuers(issuer, issuers, per_issuer)
        setup = fill_library(Path(folder) / "home", site)
        print(
            f"library of {site.badges:,} badges from {issuers} issuers: verified in "
            f"{setup.verify_s:.1f} s, saved in {setup.save_s:.1f} s: {dict(setup.statuses)}"
        )
        for kind in KINDS:
            print(describe(run_sync(issuer, setup, kind, site.badges), site.badges))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
