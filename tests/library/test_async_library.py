"""AsyncLibrary: concurrent saves through one writer thread, reads on a pool, clean shutdown."""

from __future__ import annotations

import asyncio
import threading

import pytest

from agent.errors import ErrorCode, LibraryError
from agent.library import AsyncLibrary
from agent.paths import ensure_private_dir, resolve_paths
from tests.library.factories import TickingClock, fake_png, make_verdict, payload_for, source


def library_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("badgekeeper-library")]


async def save(library: AsyncLibrary, number: int) -> str:
    assertion_id = f"https://issuer.example/a/{number}"
    result = await library.save(
        verdict=make_verdict(assertion_id, name=f"Badge {number}"),
        payload=payload_for(assertion_id),
        payload_kind="assertion-json",
        image=fake_png(str(number)),
        media_type="image/png",
        source=source(),
    )
    return result.badge.id


@pytest.mark.timeout(60)
async def test_fifty_concurrent_saves_all_land() -> None:
    """50 saves at once through AsyncLibrary: 50 badges, a sound database, no threads left."""
    async with AsyncLibrary(clock=TickingClock()) as library:
        ids = await asyncio.gather(*(save(library, n) for n in range(50)))
        assert len(set(ids)) == 50
        page = await library.list_badges(limit=100)
        assert page.total == 50
        assert await library.integrity_errors() == []
    assert library_threads() == []


@pytest.mark.timeout(60)
async def test_reads_run_while_writes_queue() -> None:
    """Reads interleaved with writes see committed badges and never fail."""
    async with AsyncLibrary(readers=2) as library:
        first = await save(library, 0)

        async def reader() -> int:
            totals = []
            for _ in range(20):
                totals.append((await library.list_badges(text="badge")).total)
                assert (await library.get(first)).id == first
            assert totals == sorted(totals)  # never goes back in time
            return totals[-1]

        saves = asyncio.gather(*(save(library, n) for n in range(1, 30)))
        readers = asyncio.gather(reader(), reader())
        saved, seen = await asyncio.gather(saves, readers)
        assert len(set(saved)) == 29
        assert all(1 <= total <= 30 for total in seen)
        assert (await library.list_badges()).total == 30


async def test_errors_cross_the_thread_boundary_as_library_errors() -> None:
    """A refused call raises the same LibraryError as the sync library."""
    async with AsyncLibrary() as library:
        with pytest.raises(LibraryError) as missing:
            await library.get("abcdef123456")
        assert missing.value.code is ErrorCode.BADGE_NOT_FOUND
        await library.add_email("Me@Example.org")
        assert await library.emails() == ["Me@Example.org"]
        group = await library.create_collection("Mine")
        badge = await save(library, 1)
        assert (await library.add_to_collection(group.id, badge)).badge_ids == (badge,)
        upload = await library.set_upload_state(badge, "bp", "queued")
        assert upload.state == "queued"


async def test_close_waits_for_calls_in_flight() -> None:
    """Leaving the block finishes saves already started; calls after close are refused."""
    library = AsyncLibrary()
    async with library:
        pending = [asyncio.ensure_future(save(library, n)) for n in range(10)]
        await asyncio.sleep(0)  # every task has handed its save to the writer thread
    assert library_threads() == []
    assert len(set(await asyncio.gather(*pending))) == 10
    with pytest.raises(LibraryError):
        await library.get("abcd")
    async with AsyncLibrary() as reopened:
        assert (await reopened.list_badges()).total == 10


async def test_open_failure_leaves_no_threads() -> None:
    """A library that cannot open (garbage file) raises and starts no lasting thread."""
    path = resolve_paths().library_db
    ensure_private_dir(path.parent)
    path.write_bytes(b"garbage" * 100)
    with pytest.raises(LibraryError) as broken:
        async with AsyncLibrary():
            pass
    assert broken.value.code is ErrorCode.LIBRARY_CORRUPT
    assert library_threads() == []
