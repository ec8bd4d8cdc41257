"""AuthorizedApi: requests to one backpack with its bearer token, refreshed when needed.

Rules:
- No token: ``BACKPACK_NOT_CONNECTED``. A token past its expiry is refreshed before use.
- A 401 answer: refresh once and send again; a second 401, or a refresh the backpack refuses,
  is ``BACKPACK_RECONNECT`` (the caller marks the backpack and queued uploads wait).
- One refresh at a time per backpack: requests that find the token already renewed use it.
- The token goes only into the ``Authorization`` header of requests to this backpack.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from agent.backpack import oauth
from agent.backpack.config import BackpackConfig
from agent.backpack.errors import not_connected, reconnect
from agent.backpack.http import BackpackHttp, HttpAnswer
from agent.backpack.tokens import Credentials, TokenStore

EpochClock = Callable[[], float]


class AuthorizedApi:
    """Bearer-authorised requests to one backpack."""

    def __init__(
        self,
        http: BackpackHttp,
        config: BackpackConfig,
        tokens: TokenStore,
        *,
        lock: asyncio.Lock,
        clock: EpochClock = time.time,
    ) -> None:
        self.http = http
        self.config = config
        self._tokens = tokens
        self._lock = lock
        self._clock = clock

    def url(self, path: str) -> str:
        """``path`` under the backpack's API base."""
        if self.config.endpoints is None:
            raise not_connected(self.config.name)
        return self.config.endpoints.api_base.rstrip("/") + path

    async def _held(self) -> Credentials:
        held = await asyncio.to_thread(self._tokens.get, self.config.name)
        if held is None or not held.has_token:
            raise not_connected(self.config.name)
        if self.config.needs_reconnect:
            raise reconnect(self.config.name)
        return held

    async def _refreshed(self, stale: Credentials) -> Credentials:
        async with self._lock:
            current = await self._held()
            if current.access_token != stale.access_token:
                return current  # another request renewed it meanwhile
            if self.config.endpoints is None:
                raise reconnect(self.config.name)
            renewed = await oauth.refresh(
                self.http, self.config.endpoints.token_url, current, now=self._clock()
            )
            if renewed is None:
                raise reconnect(self.config.name)
            await asyncio.to_thread(self._tokens.put, self.config.name, renewed)
            return renewed

    async def send(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **options: Any
    ) -> HttpAnswer:
        """One request with the bearer token; see the module rules for 401 and expiry."""
        extra = {"Accept": "application/json", **(headers or {})}
        held = await self._held()
        if held.expired(self._clock()):
            held = await self._refreshed(held)
        answer = await self._request(method, url, held, extra, options)
        if answer.status != 401:
            return answer
        held = await self._refreshed(held)
        answer = await self._request(method, url, held, extra, options)
        if answer.status == 401:
            raise reconnect(self.config.name)
        return answer

    async def _request(
        self,
        method: str,
        url: str,
        held: Credentials,
        extra: dict[str, str],
        options: dict[str, Any],
    ) -> HttpAnswer:
        headers = {**extra, "Authorization": f"Bearer {held.access_token}"}
        return await self.http.request(method, url, headers=headers, **options)
