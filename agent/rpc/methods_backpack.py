"""Backpack methods: add, list, connect, disconnect and remove backpacks; queue and drain uploads.

Rules:
- Nothing returned names a token, a client secret or a password; a password (Badgr's token
  login) is passed on once and never kept or logged.
- ``backpack.connect`` answers with the authorization URL at once and finishes in the agent
  when the browser comes back (event ``backpack.connected``); ``backpack.wait_connected``
  waits for that, for clients that cannot listen to events (the CLI without an agent).
"""

from __future__ import annotations

import logging
from typing import Any

from agent.backpack.config import KINDS
from agent.backpack.connect import CONNECT_TIMEOUT
from agent.rpc.params import Params
from agent.rpc.protocol import MAX_SAFE_INTEGER
from agent.rpc.registry import Method, method
from agent.rpc.services import AgentServices

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 40
MAX_URL_CHARS = 2048
MAX_USER_CHARS = 320
MAX_PASSWORD_CHARS = 1024
MAX_ID_CHARS = 80
MAX_IDS = 1000


def _name(params: Params) -> str:
    return params.text("name", max_chars=MAX_NAME_CHARS)


async def list_backpacks(services: AgentServices, params: Params) -> Any:
    return {"backpacks": await services.backpacks.list_backpacks()}


async def add_backpack(services: AgentServices, params: Params) -> Any:
    name = _name(params)
    kind = params.choice("kind", KINDS, default="badge-connect")
    url = params.text("url", max_chars=MAX_URL_CHARS)
    username = params.optional_text("username", max_chars=MAX_USER_CHARS)
    password = params.optional_text("password", max_chars=MAX_PASSWORD_CHARS)
    default = params.boolean("default", default=False) if "default" in params else None
    if password is not None and kind != "badgr":
        raise params.invalid("password", "is for Badgr backpacks only (the others use OAuth)")
    backpack = await services.backpacks.add(
        name, kind, url, username=username, password=password, default=default
    )
    return {"backpack": backpack}


async def remove_backpack(services: AgentServices, params: Params) -> Any:
    return await services.backpacks.remove(_name(params))


async def disconnect_backpack(services: AgentServices, params: Params) -> Any:
    return {"backpack": await services.backpacks.disconnect(_name(params))}


async def connect_backpack(services: AgentServices, params: Params) -> Any:
    return await services.backpacks.begin_connect(_name(params))


async def wait_connected(services: AgentServices, params: Params) -> Any:
    timeout = params.integer("timeout", minimum=0, maximum=int(CONNECT_TIMEOUT), default=60)
    return {"backpack": await services.backpacks.wait_connected(_name(params), float(timeout))}


async def login_backpack(services: AgentServices, params: Params) -> Any:
    name = _name(params)
    username = params.text("username", max_chars=MAX_USER_CHARS)
    password = params.text("password", max_chars=MAX_PASSWORD_CHARS)
    return {"backpack": await services.backpacks.login(name, username, password)}


async def push_collection(services: AgentServices, params: Params) -> Any:
    collection = params.integer("id", minimum=1, maximum=MAX_SAFE_INTEGER)
    backpack = params.text("backpack", max_chars=MAX_NAME_CHARS)
    return await services.backpacks.push_collection(backpack, collection)


async def upload_badge(services: AgentServices, params: Params) -> Any:
    badge_id = params.text("id", max_chars=MAX_ID_CHARS)
    backpack = params.optional_text("backpack", max_chars=MAX_NAME_CHARS)
    uploads = await services.backpacks.upload(badge_id, backpack)
    return {"uploads": [{"badge_id": u.badge_id, **u.to_json()} for u in uploads]}


async def drain_uploads(services: AgentServices, params: Params) -> Any:
    backpack = params.optional_text("backpack", max_chars=MAX_NAME_CHARS)
    ids = params.raw("ids")
    if ids is not None and (
        not isinstance(ids, list)
        or len(ids) > MAX_IDS
        or not all(isinstance(i, str) and 0 < len(i) <= MAX_ID_CHARS for i in ids)
    ):
        raise params.invalid("ids", f"must be a list of at most {MAX_IDS} badge ids")
    report = await services.backpacks.drain(backpack=backpack, badge_ids=ids)
    result = report.to_json()
    due = await services.backpacks.queue.next_due()
    result["next_attempt_at"] = due.isoformat().replace("+00:00", "Z") if due else None
    return result


METHODS: tuple[Method, ...] = (
    method("backpack.list", list_backpacks),
    method(
        "backpack.add",
        add_backpack,
        *("name", "kind", "url", "username", "password", "default"),
        writes=True,
    ),
    method("backpack.remove", remove_backpack, "name", writes=True),
    method("backpack.disconnect", disconnect_backpack, "name", writes=True),
    method("backpack.connect", connect_backpack, "name", writes=True),
    method("backpack.wait", wait_connected, "name", "timeout"),
    method("backpack.login", login_backpack, "name", "username", "password", writes=True),
    method("collections.push", push_collection, "id", "backpack", writes=True),
    method("badge.upload", upload_badge, "id", "backpack", writes=True),
    method("upload.drain", drain_uploads, "backpack", "ids", writes=True),
)
