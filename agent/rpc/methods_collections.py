"""Collection methods: named, ordered groups of badges.

Every change publishes ``collections.changed`` with what happened and the whole list, so every
popup redraws from the event alone.
"""

from __future__ import annotations

import logging
from typing import Any

from agent.rpc.events import COLLECTIONS_CHANGED
from agent.rpc.params import Params
from agent.rpc.protocol import MAX_SAFE_INTEGER
from agent.rpc.registry import Method, method
from agent.rpc.services import AgentServices

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 1000  # the library keeps 200 after collapsing spaces, and says so
MAX_ID_CHARS = 80
MAX_POSITION = 1_000_000


def _collection_id(params: Params) -> int:
    return params.integer("id", minimum=1, maximum=MAX_SAFE_INTEGER)


async def _all(services: AgentServices) -> list[dict[str, Any]]:
    return [collection.to_json() for collection in await services.library.collections()]


async def _changed(
    services: AgentServices, action: str, collection_id: int
) -> list[dict[str, Any]]:
    collections = await _all(services)
    log.info("collection %d: %s", collection_id, action)
    services.events.publish(
        COLLECTIONS_CHANGED, {"action": action, "id": collection_id, "collections": collections}
    )
    return collections


async def list_collections(services: AgentServices, params: Params) -> Any:
    return {"collections": await _all(services)}


async def create_collection(services: AgentServices, params: Params) -> Any:
    created = await services.library.create_collection(
        params.text("name", max_chars=MAX_NAME_CHARS)
    )
    await _changed(services, "created", created.id)
    return {"collection": created.to_json()}


async def rename_collection(services: AgentServices, params: Params) -> Any:
    collection_id = _collection_id(params)
    name = params.text("name", max_chars=MAX_NAME_CHARS)
    renamed = await services.library.rename_collection(collection_id, name)
    await _changed(services, "renamed", collection_id)
    return {"collection": renamed.to_json()}


async def move_collection(services: AgentServices, params: Params) -> Any:
    collection_id = _collection_id(params)
    position = params.integer("position", minimum=0, maximum=MAX_POSITION)
    await services.library.move_collection(collection_id, position)
    return {"collections": await _changed(services, "moved", collection_id)}


async def delete_collection(services: AgentServices, params: Params) -> Any:
    collection_id = _collection_id(params)
    await services.library.delete_collection(collection_id)
    return {"collections": await _changed(services, "deleted", collection_id)}


async def add_to_collection(services: AgentServices, params: Params) -> Any:
    collection_id = _collection_id(params)
    badge_id = params.text("badge_id", max_chars=MAX_ID_CHARS)
    position = params.optional_integer("position", minimum=0, maximum=MAX_POSITION)
    updated = await services.library.add_to_collection(collection_id, badge_id, position)
    await _changed(services, "badge_added", collection_id)
    return {"collection": updated.to_json()}


async def remove_from_collection(services: AgentServices, params: Params) -> Any:
    collection_id = _collection_id(params)
    badge_id = params.text("badge_id", max_chars=MAX_ID_CHARS)
    updated = await services.library.remove_from_collection(collection_id, badge_id)
    await _changed(services, "badge_removed", collection_id)
    return {"collection": updated.to_json()}


METHODS: tuple[Method, ...] = (
    method("collections.list", list_collections),
    method("collections.create", create_collection, "name", writes=True),
    method("collections.rename", rename_collection, "id", "name", writes=True),
    method("collections.move", move_collection, "id", "position", writes=True),
    method("collections.delete", delete_collection, "id", writes=True),
    method("collections.add", add_to_collection, "id", "badge_id", "position", writes=True),
    method("collections.remove", remove_from_collection, "id", "badge_id", writes=True),
)
