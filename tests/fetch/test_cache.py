"""The HTTP cache: freshness, revalidation, batch reuse, single-flight, the disk copy."""

from __future__ import annotations

import asyncio
import email.utils
import stat
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from agent.fetch import SafeFetcher, parse_allow_hosts
from agent.fetch.cache import HttpCache
from tests.fetch.conftest import LoopbackServer

Serve = Callable[..., Awaitable[LoopbackServer]]
Handler = Callable[[web.Request], Awaitable[web.Response]]


def page(body: bytes = b'{"id": 1}', cache_control: str | None = None, **headers: str) -> Handler:
    if cache_control is not None:
        headers["Cache-Control"] = cache_control

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json", headers=headers)

    return handler


def validating(etag: str | None = '"v1"', modified: str | None = None, **headers: str) -> Handler:
    """Answers 304 when the request's validators match, else 200 with them."""

    async def handler(request: web.Request) -> web.Response:
        extra = dict(headers)
        if etag:
            extra["ETag"] = etag
        if modified:
            extra["Last-Modified"] = modified
        if (etag and request.headers.get("If-None-Match") == etag) or (
            modified and request.headers.get("If-Modified-Since") == modified
        ):
            return web.Response(status=304, headers=extra)
        return web.Response(body=b'{"v": 1}', content_type="application/json", headers=extra)

    return handler


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def fetcher_for(server: LoopbackServer, **options: object) -> SafeFetcher:
    allow = parse_allow_hosts(f"127.0.0.1:{server.port}")
    return SafeFetcher(allow_hosts=allow, **options)  # type: ignore[arg-type]


async def test_max_age_is_served_without_a_request(serve: Serve) -> None:
    """A fresh max-age answer is served from the cache with no request."""
    server = await serve({"/a": page(cache_control="public, max-age=3600")})
    async with fetcher_for(server) as fetcher:
        first = await fetcher.get(server.url("/a"))
        second = await fetcher.get(server.url("/a#fragment-ignored"))
    assert server.hits["/a"] == 1
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.body == first.body
    assert second.url == server.url("/a#fragment-ignored")
    assert (fetcher.stats.network_requests, fetcher.stats.cache_hits) == (1, 1)


async def test_accept_is_part_of_the_key(serve: Serve) -> None:
    """The same URL fetched with another Accept is a separate entry."""
    server = await serve({"/a": page(cache_control="max-age=3600")})
    async with fetcher_for(server) as fetcher:
        await fetcher.get(server.url("/a"))
        await fetcher.get(server.url("/a"), accept="image/*")
    assert server.hits["/a"] == 2


async def test_etag_revalidation_uses_304(serve: Serve) -> None:
    """A no-cache answer with an ETag is revalidated; 304 serves the cached body."""
    server = await serve({"/a": validating(**{"Cache-Control": "no-cache"})})
    async with fetcher_for(server) as fetcher:
        first = await fetcher.get(server.url("/a"))
        second = await fetcher.get(server.url("/a"))
    assert server.hits["/a"] == 2
    assert server.requests[1].headers["If-None-Match"] == '"v1"'
    assert second.status == 200
    assert second.body == first.body == b'{"v": 1}'
    assert second.from_cache is True
    assert fetcher.stats.revalidated == 1
    assert fetcher.stats.network_requests == 2


async def test_last_modified_revalidation(serve: Serve) -> None:
    """A stale answer with Last-Modified is revalidated with If-Modified-Since."""
    modified = "Wed, 21 Oct 2015 07:28:00 GMT"
    server = await serve(
        {"/a": validating(etag=None, modified=modified, **{"Cache-Control": "max-age=0"})}
    )
    async with fetcher_for(server) as fetcher:
        await fetcher.get(server.url("/a"))
        second = await fetcher.get(server.url("/a"))
    assert server.requests[1].headers["If-Modified-Since"] == modified
    assert second.from_cache is True
    assert fetcher.stats.revalidated == 1


async def test_no_store_is_never_cached(serve: Serve, tmp_path: Path) -> None:
    """no-store answers are fetched every time and never written to disk."""
    server = await serve({"/a": page(cache_control="no-store", ETag='"x"')})
    async with fetcher_for(server, cache_dir=tmp_path / "http") as fetcher:
        for _ in range(3):
            assert (await fetcher.get(server.url("/a"))).from_cache is False
    assert server.hits["/a"] == 3
    assert "If-None-Match" not in server.requests[2].headers
    assert not list((tmp_path / "http").glob("*.entry"))


async def test_expires_decides_when_there_is_no_max_age(serve: Serve) -> None:
    """A future Expires is fresh; a past or unreadable one is stale."""
    future = email.utils.formatdate(time.time() + 3600, usegmt=True)
    past = email.utils.formatdate(time.time() - 3600, usegmt=True)
    server = await serve(
        {"/future": page(Expires=future), "/past": page(Expires=past), "/bad": page(Expires="0")}
    )
    async with fetcher_for(server) as fetcher:
        for path in ("/future", "/past", "/bad"):
            await fetcher.get(server.url(path))
            await fetcher.get(server.url(path))
    assert (server.hits["/future"], server.hits["/past"], server.hits["/bad"]) == (1, 2, 2)


async def test_batch_window_reuses_answers_without_cache_headers(serve: Serve) -> None:
    """An answer that says nothing about caching is reused within the batch window only."""
    clock = FakeClock()
    server = await serve({"/issuer": page()})
    async with fetcher_for(server, clock=clock, batch_reuse_seconds=60) as fetcher:
        for _ in range(5):
            assert (await fetcher.get(server.url("/issuer"))).status == 200
        assert server.hits["/issuer"] == 1
        clock.now += 61
        await fetcher.get(server.url("/issuer"))
    assert server.hits["/issuer"] == 2


async def test_batch_window_can_be_turned_off(serve: Serve) -> None:
    """With batch_reuse_seconds=0 an answer without cache headers is fetched every time."""
    server = await serve({"/issuer": page()})
    async with fetcher_for(server, batch_reuse_seconds=0) as fetcher:
        await fetcher.get(server.url("/issuer"))
        await fetcher.get(server.url("/issuer"))
    assert server.hits["/issuer"] == 2


async def test_errors_are_not_cached(serve: Serve) -> None:
    """Non-200 answers are not stored, even with max-age."""

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, headers={"Cache-Control": "max-age=3600"})

    server = await serve({"/gone": missing})
    async with fetcher_for(server) as fetcher:
        await fetcher.get(server.url("/gone"))
        await fetcher.get(server.url("/gone"))
    assert server.hits["/gone"] == 2


async def test_concurrent_gets_share_one_request(serve: Serve) -> None:
    """Twenty concurrent gets of one URL cost one request."""
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(body=b"{}", content_type="application/json")

    server = await serve({"/a": slow})
    async with fetcher_for(server, batch_reuse_seconds=0) as fetcher:
        gets = [asyncio.create_task(fetcher.get(server.url("/a"))) for _ in range(20)]
        for _ in range(500):
            if server.hits["/a"]:
                break
            await asyncio.sleep(0.01)
        release.set()
        responses = await asyncio.gather(*gets)
    assert server.hits["/a"] == 1
    assert all(response.body == b"{}" for response in responses)
    assert fetcher.stats.shared == 19


async def test_one_cancelled_waiter_does_not_cancel_the_others(serve: Serve) -> None:
    """Cancelling one of two concurrent gets leaves the other's request running."""
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(body=b"{}", content_type="application/json")

    server = await serve({"/a": slow})
    async with fetcher_for(server) as fetcher:
        first = asyncio.create_task(fetcher.get(server.url("/a")))
        second = asyncio.create_task(fetcher.get(server.url("/a")))
        for _ in range(500):
            if server.hits["/a"]:
                break
            await asyncio.sleep(0.01)
        first.cancel()
        release.set()
        response = await second
    assert response.body == b"{}"
    assert first.cancelled()
    assert server.hits["/a"] == 1


async def test_disk_cache_is_reused_by_a_new_fetcher(serve: Serve, tmp_path: Path) -> None:
    """A fresh answer on disk serves the next run with no request; files are private."""
    folder = tmp_path / "http"
    server = await serve({"/a": page(cache_control="max-age=3600")})
    async with fetcher_for(server, cache_dir=folder) as fetcher:
        await fetcher.get(server.url("/a"))
    async with fetcher_for(server, cache_dir=folder) as fetcher:
        response = await fetcher.get(server.url("/a"))
    assert response.from_cache is True
    assert response.body == b'{"id": 1}'
    assert server.hits["/a"] == 1
    files = list(folder.iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


async def test_batch_window_does_not_outlive_the_fetcher(serve: Serve, tmp_path: Path) -> None:
    """A heuristic-fresh answer with an ETag is revalidated by the next run, not trusted."""
    folder = tmp_path / "http"
    server = await serve({"/a": validating()})
    async with fetcher_for(server, cache_dir=folder) as fetcher:
        await fetcher.get(server.url("/a"))
        await fetcher.get(server.url("/a"))
    assert server.hits["/a"] == 1
    async with fetcher_for(server, cache_dir=folder) as fetcher:
        response = await fetcher.get(server.url("/a"))
    assert server.hits["/a"] == 2
    assert server.requests[1].headers["If-None-Match"] == '"v1"'
    assert response.from_cache is True


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", b'{"v": 1}\n', b"\xff\xfe\n{}", b'{"v":1,"url":"x"}\nbody'],
)
async def test_corrupt_disk_entry_is_ignored(serve: Serve, tmp_path: Path, damage: bytes) -> None:
    """A damaged cache file is ignored and replaced by a fresh fetch."""
    folder = tmp_path / "http"
    server = await serve({"/a": page(cache_control="max-age=3600")})
    async with fetcher_for(server, cache_dir=folder) as fetcher:
        await fetcher.get(server.url("/a"))
    (entry,) = folder.glob("*.entry")
    entry.write_bytes(damage)
    async with fetcher_for(server, cache_dir=folder) as fetcher:
        response = await fetcher.get(server.url("/a"))
    assert response.body == b'{"id": 1}'
    assert response.from_cache is False
    assert server.hits["/a"] == 2


def test_truncated_disk_body_is_ignored(tmp_path: Path) -> None:
    """A cache file whose body is shorter than its header says is not served."""
    cache = HttpCache(directory=tmp_path, clock=time.time, batch_reuse_seconds=60)
    key = ("https://issuer.example/a", "application/json")
    cache.store(
        key,
        final_url=None,
        content_type="application/json",
        headers=[("Cache-Control", "max-age=3600")],
        body=b"0123456789",
    )
    (entry,) = tmp_path.glob("*.entry")
    entry.write_bytes(entry.read_bytes()[:-3])
    fresh = HttpCache(directory=tmp_path, clock=time.time, batch_reuse_seconds=60)
    assert fresh.lookup(key) is None
    assert not entry.exists()


def test_disk_cache_stays_under_its_limit(tmp_path: Path) -> None:
    """Past the size limit the oldest files are evicted."""
    cache = HttpCache(
        directory=tmp_path, clock=time.time, batch_reuse_seconds=60, disk_limit=40_000
    )
    for index in range(20):
        cache.store(
            (f"https://issuer.example/{index}", "application/json"),
            final_url=None,
            content_type="application/json",
            headers=[("Cache-Control", "max-age=3600")],
            body=b"x" * 5000,
        )
    sizes = [path.stat().st_size for path in tmp_path.glob("*.entry")]
    assert sum(sizes) <= 40_000
    assert len(sizes) >= 5
    reopened = HttpCache(directory=tmp_path, clock=time.time, batch_reuse_seconds=60)
    assert reopened.lookup(("https://issuer.example/19", "application/json")) is not None
    assert not list(tmp_path.glob(".tmp-*"))


async def test_redirected_answer_keeps_its_final_url_in_the_cache(serve: Serve) -> None:
    """A cached answer reached through a redirect still names the final URL."""

    async def moved(request: web.Request) -> web.Response:
        return web.Response(status=301, headers={"Location": "/new"})

    server = await serve({"/old": moved, "/new": page(cache_control="max-age=3600")})
    async with fetcher_for(server) as fetcher:
        first = await fetcher.get(server.url("/old"))
        second = await fetcher.get(server.url("/old"))
    assert first.url == second.url == server.url("/new")
    assert second.from_cache is True
    assert server.hits["/old"] == 1


async def test_cached_body_still_obeys_max_bytes(serve: Serve) -> None:
    """A cached body over a smaller max_bytes is RESPONSE_TOO_LARGE, as a fresh fetch would be."""
    from agent.errors import ErrorCode, FetchError

    server = await serve({"/a": page(b"x" * 2000, cache_control="max-age=3600")})
    async with fetcher_for(server) as fetcher:
        await fetcher.get(server.url("/a"))
        with pytest.raises(FetchError) as caught:
            await fetcher.get(server.url("/a"), max_bytes=1000)
    assert caught.value.code is ErrorCode.RESPONSE_TOO_LARGE
