"""Safe HTTP for URLs named by untrusted badges.

The fetcher's classes load lazily: the pure verifier imports :mod:`agent.fetch.model` and should
not pay for importing aiohttp (about 0.3 s) unless something actually fetches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agent.fetch.model import (
    ACCEPT_JSON_LD,
    MAX_IMAGE_BYTES,
    MAX_JSON_BYTES,
    Fetcher,
    FetchResponse,
)

if TYPE_CHECKING:
    from agent.fetch.client import FetchStats, SafeFetcher, allow_list_from_env
    from agent.fetch.guard import AllowList, is_public_address, parse_allow_hosts
    from agent.fetch.resolver import HostResolver, SystemResolver

_LAZY = {
    "FetchStats": "agent.fetch.client",
    "SafeFetcher": "agent.fetch.client",
    "allow_list_from_env": "agent.fetch.client",
    "AllowList": "agent.fetch.guard",
    "is_public_address": "agent.fetch.guard",
    "parse_allow_hosts": "agent.fetch.guard",
    "HostResolver": "agent.fetch.resolver",
    "SystemResolver": "agent.fetch.resolver",
}

__all__ = [
    "ACCEPT_JSON_LD",
    "MAX_IMAGE_BYTES",
    "MAX_JSON_BYTES",
    "AllowList",
    "FetchResponse",
    "FetchStats",
    "Fetcher",
    "HostResolver",
    "SafeFetcher",
    "SystemResolver",
    "allow_list_from_env",
    "is_public_address",
    "parse_allow_hosts",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.fetch' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
