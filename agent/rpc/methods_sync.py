"""Sync methods: run a sync now, and say how sync stands.

``sync.run`` answers when the run is over (progress arrives meanwhile as ``sync.progress``
events); a call while a run is going joins that run.
"""

from __future__ import annotations

from typing import Any

from agent.rpc.params import Params
from agent.rpc.registry import Method, method
from agent.rpc.services import AgentServices


async def run_sync(services: AgentServices, params: Params) -> Any:
    """Re-verify what is due (everything with ``force``), drain uploads, pull backpacks."""
    from agent.sync import engine_for

    force = params.boolean("force", default=False)
    summary = await engine_for(services).run(force=force)
    return summary.to_json()


async def sync_status(services: AgentServices, params: Params) -> Any:
    """Whether a run is going, the last run's summary, the next run, unreachable issuers."""
    from agent.sync import engine_for

    return await engine_for(services).status()


METHODS: tuple[Method, ...] = (
    method("sync.run", run_sync, "force", writes=True),
    method("sync.status", sync_status),
)
