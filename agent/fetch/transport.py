"""One HTTP request on the wire: send, check the size, read the body in bounded chunks.

Rules:
- Redirects are never followed here (``allow_redirects=False``); a redirect is returned as an
  answer and the caller judges its target.
- A ``Content-Length`` over the limit stops before the body is read; a body without one stops at
  the first chunk that passes the limit. Either way: RESPONSE_TOO_LARGE.
- Timeouts are the caller's (``asyncio.wait_for`` around this whole function).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from multidict import CIMultiDict
from yarl import URL

from agent.errors import ErrorCode, FetchError
from agent.fetch.lazy_tls import aiohttp

CHUNK_BYTES = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass
class Answer:
    """What one request got back. ``final_url`` is set by the caller once redirects are done."""

    status: int
    content_type: str
    headers: CIMultiDict[str]
    body: bytes = b""
    final_url: str | None = field(default=None)


def media_type(header: str | None) -> str:
    """``Content-Type`` reduced to its media type, lower case, no parameters ("" when absent)."""
    if not header:
        return ""
    return header.split(";", 1)[0].strip().lower()


def too_large(host: str, max_bytes: int) -> FetchError:
    return FetchError(
        ErrorCode.RESPONSE_TOO_LARGE,
        f"{host} sent more than {max_bytes} bytes, more than badge data can be; Badgekeeper "
        "stopped reading.",
    )


async def read_answer(
    session: aiohttp.ClientSession,
    url: URL,
    headers: Mapping[str, str],
    max_bytes: int,
    host: str,
    answered: Callable[[], None] = lambda: None,
) -> Answer:
    """GET ``url`` once and read at most ``max_bytes`` of its body.

    ``answered`` is called once the server's status line and headers have arrived.
    """
    async with session.get(url, headers=headers, allow_redirects=False) as response:
        answered()
        answer = Answer(
            status=response.status,
            content_type=media_type(response.headers.get("Content-Type")),
            headers=CIMultiDict(response.headers),
        )
        if response.status in _REDIRECTS and "Location" in response.headers:
            return answer  # the body of a redirect is never needed
        if response.content_length is not None and response.content_length > max_bytes:
            raise too_large(host, max_bytes)
        chunks: list[bytes] = []
        received = 0
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            received += len(chunk)
            if received > max_bytes:
                raise too_large(host, max_bytes)
            chunks.append(chunk)
        answer.body = b"".join(chunks)
        return answer
