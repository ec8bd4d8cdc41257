"""aiohttp, imported without loading the system's CA certificates until a TLS handshake needs them.

aiohttp builds two default SSL contexts while it is imported; each loads every CA certificate of
the system (about 40 ms together, a tenth of a ``badgekeeper verify`` that may never speak TLS:
a local issuer, a cache hit). The fetch modules import aiohttp from here instead.

Rules:
- Only while aiohttp is first imported here, ``SSLContext.load_default_certs`` and
  ``set_default_verify_paths`` record the load instead of doing it, and the context becomes a
  :class:`DeferredCAContext`, which does the recorded loads (once, under a lock) before its
  first ``wrap_bio`` / ``wrap_socket`` and before anything reads its certificate store.
- Nothing else about a context changes (verify mode, host name check, protocols): a deferred
  context verifies exactly as an eager one; its CAs just arrive at the first handshake (a
  one-time blocking load, as aiohttp itself did at import).
- If aiohttp was imported before this module, nothing is patched: its contexts stay as built.
"""

from __future__ import annotations

import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_PENDING = "_badgekeeper_pending_ca_loads"
_LOAD_LOCK = threading.Lock()


class DeferredCAContext(ssl.SSLContext):
    """An SSLContext whose CA certificates are loaded just before they are first needed."""

    def load_deferred_certificates(self) -> None:
        """Do the loads recorded while aiohttp was imported (at most once)."""
        if _PENDING not in self.__dict__:
            return
        with _LOAD_LOCK:
            loads: list[Callable[[], None]] = self.__dict__.pop(_PENDING, [])
            for load in loads:
                load()

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_deferred_certificates()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_deferred_certificates()
        return super().wrap_bio(*args, **kwargs)

    def cert_store_stats(self) -> dict[str, int]:
        self.load_deferred_certificates()
        return super().cert_store_stats()

    def get_ca_certs(self, *args: Any, **kwargs: Any) -> Any:
        self.load_deferred_certificates()
        return super().get_ca_certs(*args, **kwargs)


def _defer(context: ssl.SSLContext, load: Callable[[], None]) -> None:
    context.__dict__.setdefault(_PENDING, []).append(load)
    context.__class__ = DeferredCAContext


@contextmanager
def ca_loading_deferred() -> Iterator[None]:
    """While inside, contexts record their default CA loads instead of doing them."""
    load_default_certs = ssl.SSLContext.load_default_certs
    set_default_verify_paths = ssl.SSLContext.set_default_verify_paths

    def deferred_load_default_certs(
        self: ssl.SSLContext, purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH
    ) -> None:
        _defer(self, lambda: load_default_certs(self, purpose))

    def deferred_set_default_verify_paths(self: ssl.SSLContext) -> None:
        _defer(self, lambda: set_default_verify_paths(self))

    ssl.SSLContext.load_default_certs = deferred_load_default_certs  # type: ignore[method-assign]
    ssl.SSLContext.set_default_verify_paths = deferred_set_default_verify_paths  # type: ignore[method-assign]
    try:
        yield
    finally:
        ssl.SSLContext.load_default_certs = load_default_certs  # type: ignore[method-assign]
        ssl.SSLContext.set_default_verify_paths = set_default_verify_paths  # type: ignore[method-assign]


if "aiohttp" in sys.modules:
    import aiohttp as aiohttp
else:
    with ca_loading_deferred():
        import aiohttp as aiohttp

__all__ = ["DeferredCAContext", "aiohttp", "ca_loading_deferred"]
