"""BackpackRegistry: the backpacks' settings in the library, read and changed one at a time.

Rules: the whole ``backpacks`` setting is read, changed and written back under one lock per
process, so two changes in one agent never undo each other; a name is unique.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agent.backpack.config import (
    SETTINGS_KEY,
    BackpackConfig,
    check_kind,
    check_name,
    read_configs,
    stored_configs,
)
from agent.backpack.errors import BackpackError, not_found
from agent.errors import ErrorCode
from agent.library import AsyncLibrary


class BackpackRegistry:
    """The user's backpacks (never their secrets) in one library's settings."""

    def __init__(self, library: AsyncLibrary) -> None:
        self.library = library
        self._lock = asyncio.Lock()

    async def configs(self) -> dict[str, BackpackConfig]:
        return read_configs(await self.library.get_setting(SETTINGS_KEY, {}))

    async def get(self, name: str) -> BackpackConfig:
        config = (await self.configs()).get(name)
        if config is None:
            raise not_found(name)
        return config

    async def add(
        self,
        name: str,
        kind: str,
        url: str,
        *,
        added_at: str,
        username: str | None,
        default: bool | None,
    ) -> BackpackConfig:
        """A new backpack; the first one is a default one unless told otherwise."""
        async with self._lock:
            configs = await self.configs()
            if check_name(name) in configs:
                raise BackpackError(
                    ErrorCode.BACKPACK_EXISTS,
                    f"A backpack named {name!r} exists already. Pick another name, or run "
                    f"`badgekeeper backpack remove {name}` first.",
                )
            configs[name] = BackpackConfig(
                name=name,
                kind=check_kind(kind),
                url=url,
                added_at=added_at,
                default=default if default is not None else not configs,
                username=username,
            )
            await self.library.set_setting(SETTINGS_KEY, stored_configs(configs))
            return configs[name]

    async def update(self, name: str, **changes: Any) -> BackpackConfig:
        async with self._lock:
            configs = await self.configs()
            if name not in configs:
                raise not_found(name)
            configs[name] = configs[name].with_changes(**changes)
            await self.library.set_setting(SETTINGS_KEY, stored_configs(configs))
            return configs[name]

    async def remove(self, name: str) -> None:
        async with self._lock:
            configs = await self.configs()
            if configs.pop(name, None) is not None:
                await self.library.set_setting(SETTINGS_KEY, stored_configs(configs))
