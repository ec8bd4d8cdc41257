"""SafeFetcher: the only code that fetches URLs named by (untrusted) badges.

Rules:
- Only ``http`` and ``https``, without ``user:pass@``; checked for the first URL and every
  redirect, which is followed here (never by aiohttp), at most ``max_redirects`` times.
- Every address is judged before it is contacted: names by :class:`GuardedResolver` (the address
  aiohttp connects to is the one that was judged), IP literals here before each request.
  ``BADGEKEEPER_ALLOW_HOSTS`` lifts the address check, never the scheme check.
- Each request (connect, headers and body) ends within ``timeout`` seconds; bodies are read in
  chunks and abandoned past ``max_bytes``.
- Every failure is a :class:`FetchError` whose message names the host only: no query string (it
  may hold a token), no traceback. Log lines are debug level and name the host only.
- No proxies from the environment (``trust_env=False``), no cookies.
- Answers are cached (:mod:`agent.fetch.cache`) and concurrent gets of one key share one request.
- aiohttp is imported through :mod:`agent.fetch.lazy_tls` (CA certificates load at the first
  TLS handshake, not at import).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

import agent
from agent.errors import ErrorCode, FetchError
from agent.fetch.cache import CacheEntry, CacheKey, HttpCache
from agent.fetch.guard import (
    AllowList,
    is_public_address,
    looks_like_ip_literal,
    parse_allow_hosts,
    parse_ip,
)
from agent.fetch.lazy_tls import aiohttp
from agent.fetch.model import ACCEPT_JSON_LD, MAX_JSON_BYTES, FetchResponse
from agent.fetch.resolver import GuardedResolver, HostResolver, SystemResolver, address_refused
from agent.fetch.singleflight import SingleFlight
from agent.fetch.transport import Answer, read_answer

log = logging.getLogger(__name__)

ALLOW_HOSTS_ENV = "BADGEKEEPER_ALLOW_HOSTS"
MEMO_URL_CHARS = 2048
MEMO_HOSTS = 256
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SocketFactory = Callable[[tuple[int, int, int, str, tuple[object, ...]]], socket.socket]


@dataclass
class FetchStats:
    """What one fetcher did: for benchmarks and tests.

    ``network_requests`` counts HTTP requests the server answered (each redirect hop and each
    conditional request counts); ``cache_hits`` counts gets answered with no request;
    ``revalidated`` counts 304 answers that renewed a cached body; ``shared`` counts gets that
    joined a request already in flight.
    """

    network_requests: int = 0
    cache_hits: int = 0
    revalidated: int = 0
    shared: int = 0


def allow_list_from_env(environ: Mapping[str, str] | None = None) -> AllowList:
    """The allow list in ``BADGEKEEPER_ALLOW_HOSTS`` (empty when unset)."""
    env = os.environ if environ is None else environ
    allow = parse_allow_hosts(env.get(ALLOW_HOSTS_ENV, ""))
    for entry in allow.invalid:
        log.warning(
            "ignoring %s entry %r: expected host[:port] or [ipv6]:port", ALLOW_HOSTS_ENV, entry
        )
    return allow


def _shown_host(url: URL) -> str:
    host = url.host or "the server"
    return f"[{host}]" if ":" in host else host


def _failed(host: str, what: str) -> FetchError:
    return FetchError(
        ErrorCode.FETCH_FAILED,
        f"{what} {host}. Check your connection and try again later; if it persists, tell the "
        "issuer.",
    )


def parse_target(url: str) -> URL:
    """The URL to request (without fragment), or the FetchError that says why it is not one."""
    if not isinstance(url, str):
        raise FetchError(ErrorCode.FETCH_FAILED, "The badge names a link that is not text.")
    if len(url) <= MEMO_URL_CHARS:
        return _parse_target_memo(url)  # a batch asks for one badge class and issuer many times
    return _parse_target(url)


def _parse_target(url: str) -> URL:
    try:
        parsed = URL(url.strip())
        port = parsed.port
    except (ValueError, TypeError) as exc:
        raise FetchError(
            ErrorCode.FETCH_FAILED,
            "The badge names a link that is not a valid URL; tell the issuer.",
        ) from exc
    if parsed.scheme not in ("http", "https"):
        raise FetchError(
            ErrorCode.SCHEME_REFUSED,
            f"The badge points at a {parsed.scheme or 'relative'} link, not http or https; "
            "Badgekeeper never follows such links.",
        )
    if parsed.raw_user is not None or parsed.raw_password is not None:
        raise FetchError(
            ErrorCode.SCHEME_REFUSED,
            f"The link to {_shown_host(parsed)} carries a user name or password; Badgekeeper "
            "never sends credentials for a badge.",
        )
    if not parsed.raw_host or port is None:
        raise FetchError(
            ErrorCode.FETCH_FAILED, "The badge names a link without a host; tell the issuer."
        )
    return parsed.with_fragment(None)


# Only successful parses are kept (a FetchError is raised again each time); URLs are bounded in
# length and number, so the memo stays small whatever badges name.
_parse_target_memo = functools.lru_cache(maxsize=1024)(_parse_target)


class SafeFetcher:
    """A :class:`agent.fetch.model.Fetcher` that guards addresses, caps sizes and caches.

    Use as ``async with SafeFetcher() as fetcher`` or call :meth:`close`. One instance per CLI run
    or agent, shared by every badge: its cache and connection pool are what make a batch cheap.
    ``socket_factory`` is a test seam (aiohttp's): it makes the socket for each connection attempt.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        cache_dir: Path | None = None,
        allow_hosts: AllowList | None = None,
        max_redirects: int = 5,
        resolver: HostResolver | None = None,
        user_agent: str | None = None,
        batch_reuse_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
        socket_factory: SocketFactory | None = None,
    ) -> None:
        self._timeout = timeout
        self._allow = allow_list_from_env() if allow_hosts is None else allow_hosts
        self._max_redirects = max_redirects
        self._resolver: HostResolver = resolver or SystemResolver()
        self._user_agent = user_agent or f"Badgekeeper/{agent.__version__}"
        self._socket_factory = socket_factory
        self._cache = HttpCache(
            directory=cache_dir, clock=clock, batch_reuse_seconds=batch_reuse_seconds
        )
        self._flights: SingleFlight[tuple[CacheKey, int], _Fetched] = SingleFlight()
        self._session: aiohttp.ClientSession | None = None
        self._passed_hosts: set[tuple[str, int | None]] = set()
        self._closed = False
        self.stats = FetchStats()

    async def __aenter__(self) -> SafeFetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Cancel requests in flight and close the connection pool; safe to call twice."""
        self._closed = True
        await self._flights.cancel_all()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self, url: str, *, accept: str = ACCEPT_JSON_LD, max_bytes: int = MAX_JSON_BYTES
    ) -> FetchResponse:
        """Fetch ``url``; any HTTP status is an answer, everything else a FetchError."""
        if self._closed:
            raise FetchError(ErrorCode.FETCH_FAILED, "The fetcher was closed; this is a bug.")
        target = parse_target(url)
        key: CacheKey = (str(target), accept)
        entry = self._cache.lookup(key)
        if entry is not None and self._cache.is_fresh(entry):
            self.stats.cache_hits += 1
            return _from_entry(entry, url, max_bytes, target)
        flight, joined = self._flights.start(
            (key, max_bytes), lambda: self._fetch(target, key, accept, max_bytes, entry)
        )
        if joined:
            self.stats.shared += 1
        fetched = await flight
        return fetched.response(url, max_bytes, target)

    async def _fetch(
        self, target: URL, key: CacheKey, accept: str, max_bytes: int, known: CacheEntry | None
    ) -> _Fetched:
        # ``known`` is what ``get`` just found (disk included); only memory can have changed
        # since, so the disk is not read twice (for a key it lacks, that is a failed open).
        entry = self._cache.lookup(key, disk=False) or known
        if entry is not None and self._cache.is_fresh(entry):
            self.stats.cache_hits += 1  # another flight stored it while this one was queued
            return _Fetched(entry=entry)
        conditional = entry.validators() if entry is not None else {}
        answer = await self._follow(target, accept, max_bytes, conditional)
        if answer.status == 304 and entry is not None and conditional:
            self.stats.revalidated += 1
            return _Fetched(entry=self._cache.revalidated(key, entry, answer.headers.items()))
        if answer.status == 200:
            self._cache.store(
                key,
                final_url=answer.final_url,
                content_type=answer.content_type,
                headers=answer.headers.items(),
                body=answer.body,
            )
        elif answer.status in (404, 410):
            self._cache.discard(key)
        return _Fetched(answer=answer)

    async def _follow(
        self, target: URL, accept: str, max_bytes: int, conditional: Mapping[str, str]
    ) -> Answer:
        headers = {"Accept": accept, "User-Agent": self._user_agent, **conditional}
        current = target
        for hop in range(self._max_redirects + 1):
            self._check_literal_host(current)
            answer = await self._request(current, headers, max_bytes)
            location = answer.headers.get("Location")
            if answer.status not in REDIRECT_STATUSES or location is None:
                answer.final_url = None if hop == 0 else str(current)
                return answer
            try:
                current = parse_target(str(current.join(URL(location))))
            except ValueError as exc:
                raise _failed(_shown_host(current), "A redirect was not a valid link at") from exc
        raise FetchError(
            ErrorCode.TOO_MANY_REDIRECTS,
            f"{_shown_host(target)} redirected more than {self._max_redirects} times. Tell the "
            "issuer.",
        )

    def _check_literal_host(self, url: URL) -> None:
        """Judge hosts aiohttp connects to without asking the resolver."""
        host = url.raw_host or ""
        judged = (host, url.port)
        if judged in self._passed_hosts:  # the allow list and the address rules never change
            return
        refused = parse_ip(host) is None or not is_public_address(host)
        if refused and looks_like_ip_literal(host) and not self._allow.permits(host, url.port):
            raise address_refused(_shown_host(url))
        if len(self._passed_hosts) >= MEMO_HOSTS:
            self._passed_hosts.clear()
        self._passed_hosts.add(judged)

    async def _request(self, url: URL, headers: Mapping[str, str], max_bytes: int) -> Answer:
        session = self._ensure_session()
        host = _shown_host(url)
        log.debug("fetching from %s", host)
        try:
            return await asyncio.wait_for(
                read_answer(session, url, headers, max_bytes, host, self._count_request),
                self._timeout,
            )
        except FetchError:
            raise
        except asyncio.TimeoutError as exc:
            raise FetchError(
                ErrorCode.FETCH_TIMEOUT,
                f"{host} did not answer within {self._timeout:g} s. Try again later, or raise "
                "--timeout.",
            ) from exc
        except aiohttp.ClientConnectorDNSError as exc:
            raise _failed(host, "Could not find the server") from exc
        except aiohttp.ClientSSLError as exc:
            raise _failed(host, "Could not make a secure (TLS) connection to") from exc
        except aiohttp.ClientConnectorError as exc:
            raise _refusal_in(exc) or _failed(host, "Could not connect to") from exc
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise _refusal_in(exc) or _failed(host, "The connection broke off with") from exc

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector_options: dict[str, object] = {}
            if self._socket_factory is not None:
                connector_options["socket_factory"] = self._socket_factory
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self._resolver, self._allow),
                limit=64,
                limit_per_host=8,
                **connector_options,  # type: ignore[arg-type]
            )
            # Requests are counted by read_answer's callback, not by an aiohttp TraceConfig:
            # a trace config costs a handful of signal sends on every request.
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=self._timeout * 2),
                auto_decompress=True,
            )
        return self._session

    def _count_request(self) -> None:
        self.stats.network_requests += 1


def _refusal_in(exc: BaseException) -> FetchError | None:
    """Our own refusal, if aiohttp wrapped one raised by the resolver."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, FetchError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


@dataclass
class _Fetched:
    """The result of one flight: a cached entry or a fresh answer."""

    entry: CacheEntry | None = None
    answer: Answer | None = None

    def response(self, url: str, max_bytes: int, target: URL) -> FetchResponse:
        if self.entry is not None:
            return _from_entry(self.entry, url, max_bytes, target)
        assert self.answer is not None
        answer = self.answer
        _check_size(len(answer.body), max_bytes, target)
        return FetchResponse(
            url=answer.final_url or url,
            status=answer.status,
            content_type=answer.content_type,
            body=answer.body,
            headers=CIMultiDictProxy(CIMultiDict(answer.headers)),
        )


def _from_entry(entry: CacheEntry, url: str, max_bytes: int, target: URL) -> FetchResponse:
    _check_size(len(entry.body), max_bytes, target)
    return FetchResponse(
        url=entry.final_url or url,
        status=200,
        content_type=entry.content_type,
        body=entry.body,
        headers=CIMultiDictProxy(CIMultiDict(entry.headers)),
        from_cache=True,
    )


def _check_size(size: int, max_bytes: int, target: URL) -> None:
    if size > max_bytes:
        raise FetchError(
            ErrorCode.RESPONSE_TOO_LARGE,
            f"{_shown_host(target)} sent more than {max_bytes} bytes; Badgekeeper stopped reading.",
        )
