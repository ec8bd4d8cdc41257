"""The method table: every named method of protocol version 1, and :func:`dispatch`.

``dispatch`` is the same whether the call came over the agent's socket or from the CLI in the
same process (when no agent runs): it finds the method, refuses parameters it does not take,
and runs the handler. It raises ``BadgekeeperError`` (``ProtocolError`` for ``-32601`` and
``-32602``); turning that into a reply is ``agent.rpc.protocol``'s job.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from agent import __version__
from agent.rpc import (
    methods_backpack,
    methods_badges,
    methods_collections,
    methods_settings,
    methods_share,
    methods_sync,
)
from agent.rpc.events import EVENTS
from agent.rpc.params import Params, check_keys
from agent.rpc.protocol import (
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    PROTOCOL_VERSION,
    ProtocolError,
)
from agent.rpc.registry import Method, method
from agent.rpc.services import AgentServices

MAX_CLIENT_CHARS = 200


async def hello(services: AgentServices, params: Params) -> Any:
    """Who answers: versions, the methods and events it knows, and the home it serves."""
    params.optional_text("client", max_chars=MAX_CLIENT_CHARS)  # for the log line only
    return {
        "agent": "badgekeeper",
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
        "methods": sorted(TABLE),
        "events": list(EVENTS),
        "home": str(services.paths.data),
        "pid": os.getpid(),
    }


def _table(*groups: tuple[Method, ...]) -> Mapping[str, Method]:
    table: dict[str, Method] = {}
    for entry in (entry for group in groups for entry in group):
        if entry.name in table:
            raise RuntimeError(f"two methods are named {entry.name}")  # a programming error
        table[entry.name] = entry
    return table


TABLE: Mapping[str, Method] = _table(
    (method("agent.hello", hello, "client"),),
    methods_badges.METHODS,
    methods_settings.METHODS,
    methods_collections.METHODS,
    methods_share.METHODS,
    methods_backpack.METHODS,
    methods_sync.METHODS,
)


def find_method(name: str) -> Method:
    """The method called ``name``; ``ProtocolError(-32601)`` when there is none."""
    entry = TABLE.get(name)
    if entry is None:
        raise ProtocolError(
            METHOD_NOT_FOUND,
            f"The agent has no method {name[:100]!r}. Call agent.hello for the list; the "
            "extension and Badgekeeper may be different versions.",
        )
    return entry


async def dispatch(services: AgentServices, method: str, params: Any) -> Any:
    """Run ``method`` with ``params`` (an object, or None) and return its JSON-ready result."""
    entry = find_method(method)
    if params is not None and not isinstance(params, Mapping):
        raise ProtocolError(INVALID_PARAMS, f"The params of {method} are a JSON object.")
    check_keys(method, params or {}, entry.params)
    return await entry.handler(services, Params(method, params))
