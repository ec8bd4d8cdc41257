"""Pushing a local collection to a Badgr backpack, the one kind with collections to fill.

The collection of the same name is created there or updated, with the entity ids of the
collection's badges that are uploaded to that backpack; the others are reported as skipped
(upload them first).
"""

from __future__ import annotations

import logging
from typing import Any

from agent.backpack.authorized import AuthorizedApi
from agent.backpack.config import BackpackConfig
from agent.backpack.errors import BackpackError
from agent.backpack.kinds import BadgrClient
from agent.errors import ErrorCode
from agent.library import AsyncLibrary

log = logging.getLogger(__name__)


async def push_collection(
    library: AsyncLibrary, config: BackpackConfig, api: AuthorizedApi, collection_id: int
) -> dict[str, Any]:
    if config.kind != "badgr":
        raise BackpackError(
            ErrorCode.INVALID_ARGUMENT,
            f"The backpack {config.name!r} ({config.label}) has no collections Badgekeeper can "
            "fill; Badgr backpacks do.",
        )
    collection = await library.collection(collection_id)
    remote_ids: list[str] = []
    skipped: list[str] = []
    for badge_id in collection.badge_ids:
        there = {u.backpack: u for u in await library.uploads(badge_id)}.get(config.name)
        if there is not None and there.state == "done" and there.remote_id:
            remote_ids.append(there.remote_id)
        else:
            skipped.append(badge_id)
    remote_id, share_url = await BadgrClient(api).push_collection(collection.name, "", remote_ids)
    log.info("collection %d pushed to %s (%d badges)", collection.id, config.name, len(remote_ids))
    return {
        "backpack": config.name,
        "collection": collection.id,
        "remote_id": remote_id,
        "share_url": share_url,
        "badges": len(remote_ids),
        "skipped": skipped,
    }
