"""The sample issuer served from its own thread and loop, for synchronous tests and fixtures."""

from __future__ import annotations

import asyncio
import threading

from agent.sandbox.issuer_app import IssuerServer, run_issuer


class IssuerThread:
    """``with IssuerThread() as server:`` — a sample issuer on http://127.0.0.1:PORT."""

    def __init__(self) -> None:
        self.server: IssuerServer | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with run_issuer() as server:
            self.server = server
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> IssuerServer:
        self._thread.start()
        if not self._ready.wait(30) or self.server is None:
            raise AssertionError("the sample issuer did not start")
        return self.server

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
