"""BackpackHttp: the HTTP client for backpack APIs (URLs the user configured, not badges).

Rules:
- Only ``http`` and ``https`` URLs without ``user:pass@``. Redirects are never followed for a
  request that carries a body or a token; a discovery GET may follow up to three, only to http(s)
  and never from https down to http.
- Each request ends within ``timeout`` seconds; bodies are read in chunks and abandoned past
  ``max_bytes``.
- No proxies from the environment, no cookies: a backpack session is its bearer token only.
- Failures are :class:`BackpackError`s that name the host only (never the path, the query, a
  header or a body), and log lines do the same: tokens never reach a message or the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from yarl import URL

import agent
from agent.backpack.errors import BackpackError, protocol_error
from agent.errors import ErrorCode
from agent.fetch.lazy_tls import aiohttp

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_REDIRECTS = 3
_KEPT_HEADERS = ("content-type", "retry-after", "link", "location", "x-total-count")


def host_of(url: str) -> str:
    """The host (and port) of ``url`` for messages, or a placeholder when it has none."""
    try:
        parsed = URL(url)
        return parsed.raw_authority or "the backpack"
    except (ValueError, TypeError):
        return "the backpack"


def checked_url(url: str) -> URL:
    """``url`` parsed, when it is an http(s) URL with a host and no credentials."""
    try:
        parsed = URL(url.strip())
        port = parsed.port
    except (ValueError, TypeError, AttributeError) as exc:
        raise BackpackError(
            ErrorCode.INVALID_ARGUMENT, "A backpack URL must be an http or https URL."
        ) from exc
    if parsed.scheme not in ("http", "https") or not parsed.raw_host or port is None:
        raise BackpackError(
            ErrorCode.INVALID_ARGUMENT,
            "A backpack URL must be an http or https URL with a host, such as "
            "https://backpack.example.",
        )
    if parsed.raw_user is not None or parsed.raw_password is not None:
        raise BackpackError(
            ErrorCode.INVALID_ARGUMENT,
            "A backpack URL must not carry a user name or password; Badgekeeper signs in "
            "separately.",
        )
    return parsed.with_fragment(None)


@dataclass(frozen=True)
class HttpAnswer:
    """One HTTP answer from a backpack, any status."""

    url: str
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return host_of(self.url)

    def json(self) -> Any:
        """The body as JSON; a protocol error when it is not."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise protocol_error(self.host, f"answered HTTP {self.status} without JSON") from exc

    def json_object(self) -> dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise protocol_error(self.host, f"answered HTTP {self.status} with unexpected JSON")
        return value

    def json_or_none(self) -> Any:
        """The body as JSON, or None when it is not JSON (error pages often are HTML)."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None

    def retry_after(self) -> float | None:
        """The Retry-After header in seconds (the delta form only), when present and sane."""
        value = self.headers.get("retry-after", "").strip()
        if value.isdigit() and len(value) <= 7:
            return float(value)
        return None


class BackpackHttp:
    """One connection pool for every backpack of an agent or a CLI run."""

    def __init__(
        self, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_BODY_BYTES
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._session: aiohttp.ClientSession | None = None
        self._user_agent = f"Badgekeeper/{agent.__version__}"

    async def __aenter__(self) -> BackpackHttp:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self._user_agent},
            )
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        text: str | None = None,
        content_type: str | None = None,
        follow: bool = False,
    ) -> HttpAnswer:
        """Send one request; any HTTP status is an answer, everything else a BackpackError."""
        target = checked_url(url)
        sent_headers = dict(headers or {})
        data: Any = None
        if json_body is not None:
            data = json.dumps(json_body).encode("utf-8")
            sent_headers.setdefault("Content-Type", content_type or "application/json")
        elif form is not None:
            data = aiohttp.FormData(dict(form))
        elif text is not None:
            data = text.encode("utf-8")
            sent_headers.setdefault("Content-Type", content_type or "text/plain")
        hops = MAX_REDIRECTS if follow and method == "GET" and data is None else 0
        try:
            return await asyncio.wait_for(
                self._send(method, target, sent_headers, data, hops), self.timeout
            )
        except asyncio.TimeoutError as exc:
            raise BackpackError(
                ErrorCode.BACKPACK_TIMEOUT,
                f"The backpack at {host_of(str(target))} did not answer within "
                f"{self.timeout:g} s. Badgekeeper retries queued uploads by itself.",
            ) from exc

    async def _send(
        self, method: str, target: URL, headers: dict[str, str], data: Any, hops: int
    ) -> HttpAnswer:
        host = host_of(str(target))
        try:
            async with self._client().request(
                method, target, headers=headers, data=data, allow_redirects=False
            ) as response:
                body = await _read_capped(response, self.max_bytes, host)
                kept = {name: response.headers.get(name, "") for name in _KEPT_HEADERS}
                answer = HttpAnswer(
                    url=str(target),
                    status=response.status,
                    content_type=response.content_type.lower(),
                    body=body,
                    headers={name: value for name, value in kept.items() if value},
                )
        except (aiohttp.ClientError, OSError) as exc:
            log.debug("%s %s failed: %s", method, host, type(exc).__name__)
            raise BackpackError(
                ErrorCode.BACKPACK_UNREACHABLE,
                f"The connection to the backpack at {host} failed ({_why(exc)}). Badgekeeper "
                "retries queued uploads by itself.",
            ) from exc
        log.debug("%s %s%s -> %d", method, host, target.path, answer.status)
        if answer.status in (301, 302, 303, 307, 308):
            return await self._redirect(method, target, answer, headers, hops)
        return answer

    async def _redirect(
        self, method: str, target: URL, answer: HttpAnswer, headers: dict[str, str], hops: int
    ) -> HttpAnswer:
        host = host_of(str(target))
        location = answer.headers.get("location")
        if hops <= 0 or not location:
            raise protocol_error(host, f"redirected the request elsewhere (HTTP {answer.status})")
        try:
            following = checked_url(str(target.join(URL(location))))
        except (BackpackError, ValueError) as exc:
            raise protocol_error(host, "redirected to an address that is not http(s)") from exc
        if target.scheme == "https" and following.scheme != "https":
            raise protocol_error(host, "redirected from https to plain http")
        return await self._send(method, following, headers, None, hops - 1)


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int, host: str) -> bytes:
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise protocol_error(host, f"sent more than {max_bytes // 1024} KB")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise protocol_error(host, f"sent more than {max_bytes // 1024} KB")
        chunks.append(chunk)
    return b"".join(chunks)


def _why(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "it closed the connection"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "nothing answered at that address"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the answer was cut off"
    return "the connection broke"
