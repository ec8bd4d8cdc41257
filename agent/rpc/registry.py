"""A named method: its handler and the parameter names it accepts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from agent.rpc.params import Params
from agent.rpc.services import AgentServices

Handler = Callable[[AgentServices, Params], Awaitable[Any]]


@dataclass(frozen=True)
class Method:
    """One entry of the method table. ``writes`` methods are logged at INFO, reads at DEBUG."""

    name: str
    handler: Handler
    params: frozenset[str] = frozenset()
    writes: bool = False


def method(name: str, handler: Handler, *params: str, writes: bool = False) -> Method:
    return Method(name, handler, frozenset(params), writes)
