"""Library benchmark (not a test): save latency, and a page of 50 from 10,000 badges.

Run: ``cd /work/main && .venv/bin/python -m tests.library.bench_library [COUNT]``.
Prints median / p95 / max in milliseconds. Uses a fresh BADGEKEEPER_HOME in a temporary folder
on the same disk as the system temporary folder (fsync cost depends on it).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta

from agent.errors import ErrorCode
from agent.library import AsyncLibrary, Library
from tests.library.factories import BASE_TIME, fake_png, make_verdict, payload_for, source

WORDS = (
    *("python", "data", "science", "cloud", "security", "design", "leadership", "agile"),
    *("kubernetes", "research", "writing", "teaching", "chemistry", "biology", "music"),
    *("history", "finance", "marketing", "robotics", "ethics", "statistics"),
)
ISSUERS = [f"Issuer {n} Academy" for n in range(50)]
ERRORS = [(), (), (), (), (), (ErrorCode.REVOKED,), (ErrorCode.EXPIRED,), (ErrorCode.FETCH_FAILED,)]


def summary(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"{label:<44} median {statistics.median(ordered) * 1000:7.3f} ms   "
        f"p95 {p95 * 1000:7.3f} ms   max {ordered[-1] * 1000:7.3f} ms   (n={len(ordered)})"
    )


def fill(library: Library, count: int, rng: random.Random) -> list[float]:
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
        started = time.perf_counter()
        library.save(
            verdict=verdict,
            payload=payload_for(assertion_id),
            payload_kind="assertion-json",
            image=image,
            media_type="image/png",
            source=source(subject=f"Your {rng.choice(WORDS)} badge"),
        )
        timings.append(time.perf_counter() - started)
    return timings


def measure(call: Callable[[], object], runs: int = 200) -> list[float]:
    call()  # warm the statement cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    home = tempfile.mkdtemp(prefix="bk-bench-")
    os.environ["BADGEKEEPER_HOME"] = home
    rng = random.Random(7)
    print(f"library of {count} badges in {home}")
    with Library() as library:
        save_times = fill(library, count, rng)
        summary("save (file write + fsync + commit)", save_times)
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
            "status in (revoked, expired)": lambda: library.list_badges(
                status=["revoked", "expired"]
            ),
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
        for label, call in queries.items():
            summary(label, measure(call))

    async def through_agent() -> list[float]:
        async with AsyncLibrary() as library:
            await library.list_badges(text="python")
            samples = []
            for _ in range(200):
                started = time.perf_counter()
                await library.list_badges(text="python", status="valid")
                samples.append(time.perf_counter() - started)
            return samples

    summary("AsyncLibrary: text + status page", asyncio.run(through_agent()))


if __name__ == "__main__":
    main()
