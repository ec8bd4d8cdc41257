"""Background sync: re-verify saved badges on a cadence, drain uploads, pull backpacks.

:func:`engine_for` gives the one :class:`SyncEngine` of a set of agent services (the RPC
methods and the agent's schedule share it, so a second run joins the first).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from agent.library import AsyncLibrary
from agent.rpc.services import AgentServices
from agent.sync.engine import SyncEngine, SyncSummary, scheduled_sync

_ENGINES: WeakKeyDictionary[AsyncLibrary, SyncEngine] = WeakKeyDictionary()


def engine_for(services: AgentServices) -> SyncEngine:
    """The sync engine of ``services`` (made on first use)."""
    engine = _ENGINES.get(services.library)
    if engine is None or engine.services is not services:
        engine = _ENGINES[services.library] = SyncEngine(services)
    return engine


def install_engine(engine: SyncEngine) -> None:
    """Use ``engine`` for its services from now on (tests: a fake clock, no jitter)."""
    _ENGINES[engine.services.library] = engine


__all__ = ["SyncEngine", "SyncSummary", "engine_for", "install_engine", "scheduled_sync"]
