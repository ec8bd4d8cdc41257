"""Helpers for agent tests: saving sample badges, reading events, raw websocket clients."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from typing import Any

from websockets.asyncio.client import ClientConnection, unix_connect

from agent.client import AgentClient, EventStream
from agent.library.files import BadgeFiles
from agent.paths import Paths
from agent.sandbox.issuer import IssuedBadge
from agent.server.auth import bearer
from agent.server.runtime_files import read_token


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def save(client: AgentClient, badge: IssuedBadge, **source: str) -> dict[str, Any]:
    params: dict[str, Any] = {"data": b64(badge.image)}
    if source:
        params["source"] = source
    result: dict[str, Any] = await client.call("badge.save", params)
    return result


async def next_event(stream: EventStream, wanted: str, timeout: float = 10) -> dict[str, Any]:
    """The params of the next event named ``wanted`` (others are skipped)."""

    async def find() -> dict[str, Any]:
        async for event, params in stream:
            if event == wanted:
                return params
        raise AssertionError(f"the stream ended before {wanted}")

    return await asyncio.wait_for(find(), timeout)


def stored_file_sha256(paths: Paths, badge: dict[str, Any]) -> str:
    """The SHA-256 of the badge's file as it is on disk now."""
    path = BadgeFiles(paths.badge_files).path_for(badge["sha256"], badge["media_type"])
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def raw_connect(paths: Paths, *, token: str | None = "", **options: Any) -> ClientConnection:
    """A bare websocket to the agent; ``token=""`` means the real one, None means none."""
    headers: dict[str, str] = {}
    real = read_token(paths) if token == "" else token
    if real is not None:
        headers["Authorization"] = bearer(real)
    return await unix_connect(
        os.fspath(paths.socket),
        uri="ws://localhost/",
        additional_headers=headers,
        compression=None,
        **options,
    )
