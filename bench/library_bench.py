"""Library benchmark: save latency, and list queries on a library of 10,000 badges.

    .venv/bin/python -m bench.library_bench [COUNT]     # prints median / p95 / max in ms

The ``library-10k`` benchmark (``bench/benchmarks/library_10k.py``) uses :func:`build_library`
for the save times and the filled library, which it then serves with a real agent.

Rules:
- The library lives in a fresh ``BADGEKEEPER_HOME`` on the same disk as the system temporary
  folder (a save's fsync cost depends on the disk).
- Badges are built directly (verdicts, not verification): a save's time is the library's own
  (image file write + fsync + SQLite commit), verification excluded.
- Deterministic: the same seed gives the same 10,000 badges (names, issuers, dates, statuses).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from agent.errors import ErrorCode
from agent.library import AsyncLibrary, Library, SourceInfo
from agent.paths import resolve_paths

# The same synthetic verdicts and images as the library's tests (no network, no decoding).
from tests.library.factories import BASE_TIME, fake_png, make_verdict

SEED = 7
WORDS = (
    *("python", "data", "science", "cloud", "security", "design", "leadership", "agile"),
    *("kubernetes", "research", "writing", "teaching", "chemistry", "biology", "music"),
    *("history", "finance", "marketing", "robotics", "ethics", "statistics"),
)
ISSUERS = [f"Issuer {n} Academy" for n in range(50)]
# One badge in eight revoked, expired or unreachable: the statuses a real library holds.
ERRORS = [(), (), (), (), (), (ErrorCode.REVOKED,), (ErrorCode.EXPIRED,), (ErrorCode.FETCH_FAILED,)]


def fill(library: Library, count: int, rng: random.Random) -> list[float]:
    """Save ``count`` badges; the seconds each ``Library.save`` took."""
    timings = []
    for number in range(count):
        assertion_id = f"https://issuer.example/assertions/{number}"
        issuer = rng.choice(ISSUERS)
        verdict = make_verdict(
            assertion_id,
            name=" ".join(rng.sample(WORDS, 3)).title(),
            issuer_name=issuer,
            issuer_id=f"https://issuer.example/{issuer.split()[1]}",
            issued_on=(BASE_TIME - timedelta(days=rng.randrange(2000))).strftime(
                "%Y-%m-%dT00:00:00Z"
            ),
            errors=rng.choice(ERRORS),
            description=" ".join(rng.sample(WORDS, 8)),
        )
        image = fake_png(f"bench-{number}", size=rng.randrange(8_000, 40_000))
        source = SourceInfo(
            page_url="https://mail.google.com/mail/u/0/#inbox/abc",
            image_url="https://issuer.example/baked/1.png",
            mail_subject=f"Your {rng.choice(WORDS)} badge",
            mail_sender="badges@issuer.example",
            mail_date="2026-05-31T09:00:00Z",
        )
        started = time.perf_counter()
        library.save(
            verdict=verdict,
            payload=json.dumps({"type": "Assertion", "id": assertion_id}),
            payload_kind="assertion-json",
            image=image,
            media_type="image/png",
            source=source,
        )
        timings.append(time.perf_counter() - started)
    return timings


def build_library(home: Path, count: int, seed: int = SEED) -> list[float]:
    """A library of ``count`` badges in ``home``; the seconds each save took."""
    with Library(resolve_paths({"BADGEKEEPER_HOME": str(home)})) as library:
        return fill(library, count, random.Random(seed))


def measure(call: Callable[[], object], runs: int = 200) -> list[float]:
    """Seconds of ``runs`` calls, after one call that warms SQLite's statement cache."""
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def summary(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"{label:<44} median {statistics.median(ordered) * 1000:7.3f} ms   "
        f"p95 {p95 * 1000:7.3f} ms   max {ordered[-1] * 1000:7.3f} ms   (n={len(ordered)})"
    )


def query_timings(library: Library) -> dict[str, list[float]]:
    """The library's list queries, in process (no agent), on a library already filled."""
    ids = [b.id for b in library.list_badges(limit=500).items]
    group = library.create_collection("Bench")
    for badge_id in ids[:300]:
        library.add_to_collection(group.id, badge_id)
    for badge_id in ids[:500:2]:
        library.set_upload_state(badge_id, "main", "done", remote_id="r")
    cursor = library.list_badges(limit=50).next_cursor
    queries: dict[str, Callable[[], object]] = {
        "page 1 (newest first)": lambda: library.list_badges(limit=50),
        "status=valid": lambda: library.list_badges(status="valid"),
        "status in (revoked, expired)": lambda: library.list_badges(status=["revoked", "expired"]),
        "text 'python'": lambda: library.list_badges(text="python"),
        "text 'issuer 7 academy' (rare)": lambda: library.list_badges(text="issuer 7 academy"),
        "text 'data sci' + status=valid, by name": lambda: library.list_badges(
            text="data sci", status="valid", sort="name"
        ),
        "sort by name, ascending": lambda: library.list_badges(sort="name", descending=False),
        "sort by issued_on": lambda: library.list_badges(sort="issued_on"),
        "collection of 300, by position": lambda: library.list_badges(
            collection=group.id, sort="position", descending=False
        ),
        "offset 5000": lambda: library.list_badges(offset=5000),
        "cursor page 2": lambda: library.list_badges(cursor=cursor),
        "get by prefix": lambda: library.get(ids[123][:6]),
    }
    return {label: measure(call) for label, call in queries.items()}


async def async_page_timings(home: Path, runs: int = 200) -> list[float]:
    """A text + status page through ``AsyncLibrary`` (the agent's thread pool), no socket."""
    async with AsyncLibrary(resolve_paths({"BADGEKEEPER_HOME": str(home)})) as library:
        await library.list_badges(text="python")
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await library.list_badges(text="python", status="valid")
            samples.append(time.perf_counter() - started)
        return samples


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else 10_000
    with tempfile.TemporaryDirectory(prefix="bk-bench-library-") as folder:
        home = Path(folder) / "home"
        print(f"library of {count} badges in {home}")
        print(summary("save (file write + fsync + commit)", build_library(home, count)))
        with Library(resolve_paths({"BADGEKEEPER_HOME": str(home)})) as library:
            for label, samples in query_timings(library).items():
                print(summary(label, samples))
        print(summary("AsyncLibrary: text + status page", asyncio.run(async_page_timings(home))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
