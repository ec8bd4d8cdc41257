"""The loopback redirect of RFC 8252: a one-shot HTTP server on 127.0.0.1 that catches the code.

Rules:
- Listens on 127.0.0.1 (never a wildcard address) on a free port, for one path, only while a
  connect is waiting; closed as soon as the code (or a refusal) arrives or the wait ends.
- Only a redirect carrying the ``state`` of this connect counts; anything else is answered
  with a short page and ignored, so another page cannot complete or end the flow.
- The page the browser shows says what happened and nothing more (no code, no token).
"""

from __future__ import annotations

import asyncio
from html import escape
from types import TracebackType

from aiohttp import web

from agent.backpack.errors import BackpackError
from agent.errors import ErrorCode

CALLBACK_PATH = "/callback"
LOOPBACK = "127.0.0.1"

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Badgekeeper</title></head>"
    "<body style='font-family:sans-serif;max-width:32em;margin:4em auto'>"
    "<h1>{title}</h1><p>{text}</p></body></html>"
)


def _page(title: str, text: str, status: int = 200) -> web.Response:
    body = _PAGE.format(title=escape(title), text=escape(text))
    return web.Response(
        status=status,
        text=body,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


class LoopbackRedirect:
    """``async with LoopbackRedirect(state) as redirect``: ``redirect.uri``, then ``wait()``."""

    def __init__(self, state: str, *, backpack: str) -> None:
        self._state = state
        self._backpack = backpack
        self._runner: web.AppRunner | None = None
        self._outcome: asyncio.Future[str] | None = None
        self.uri = ""

    async def __aenter__(self) -> LoopbackRedirect:
        self._outcome = asyncio.get_running_loop().create_future()
        app = web.Application(client_max_size=64 * 1024)
        app.router.add_get(CALLBACK_PATH, self._callback)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.uri = f"http://{LOOPBACK}:{port}{CALLBACK_PATH}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._outcome is not None and not self._outcome.done():
            self._outcome.cancel()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _callback(self, request: web.Request) -> web.Response:
        outcome = self._outcome
        if request.query.get("state") != self._state or outcome is None or outcome.done():
            return _page(
                "Not expected",
                "Badgekeeper is not waiting for this sign-in. Start it again with "
                "`badgekeeper backpack connect`.",
                400,
            )
        error = request.query.get("error")
        code = request.query.get("code")
        if error or not code:
            outcome.set_exception(
                BackpackError(
                    ErrorCode.BACKPACK_AUTH_FAILED,
                    f"The backpack {self._backpack!r} was not connected: the request was not "
                    f"approved ({(error or 'no code')[:60]}). Run `badgekeeper backpack connect "
                    f"{self._backpack}` to try again.",
                )
            )
            return _page("Not connected", "Badgekeeper was not connected. You can close this tab.")
        outcome.set_result(code)
        return _page(
            "Connected",
            f"Badgekeeper is connecting to your backpack {self._backpack}. You can close this tab.",
        )

    async def wait(self, timeout: float) -> str:
        """The authorization code, once the browser comes back with it."""
        if self._outcome is None:
            raise RuntimeError("LoopbackRedirect.wait needs `async with`")
        try:
            return await asyncio.wait_for(asyncio.shield(self._outcome), timeout)
        except asyncio.TimeoutError as exc:
            raise BackpackError(
                ErrorCode.BACKPACK_AUTH_FAILED,
                f"No approval for the backpack {self._backpack!r} arrived within {timeout:g} s. "
                f"Run `badgekeeper backpack connect {self._backpack}` to try again.",
            ) from exc
