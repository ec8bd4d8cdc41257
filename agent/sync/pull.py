"""Pull: badges a connected backpack holds that the library lacks are saved here.

Rules:
- Only connected backpacks (not waiting for the user) are asked; a backpack that fails is
  reported by name and code and the others go on.
- A badge is known by its assertion id (a hosted assertion's URL). Badge Connect and OB 3.0
  lists give those ids; a Badgr list gives ``openBadgeId``. Ids that are not http(s) URLs
  (signed assertions known only by a URN) are skipped: there is nothing to fetch them from.
- Each new badge is saved through the keeper (verified, stored, ``badge.saved``), with its
  source's page set to the backpack's address, which marks it as coming from the backpack.
- Bounded: at most ``MAX_PULL`` new badges per backpack per run; the rest come next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from agent.backpack.kinds import BadgrClient, client_for
from agent.backpack.service import BackpackService
from agent.errors import BadgekeeperError
from agent.keeper import BadgeKeeper
from agent.library import SourceInfo

log = logging.getLogger(__name__)

MAX_PULL = 500


@dataclass
class PullReport:
    """New badges saved per backpack, and the backpacks (or badges) that failed."""

    pulled: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.pulled.values())

    def to_json(self) -> dict[str, Any]:
        return {"pulled": self.pulled, "failed": self.failed}


async def held_assertion_ids(backpacks: BackpackService, name: str) -> list[str]:
    """The assertion ids (http(s) URLs) the backpack ``name`` holds."""
    config = await backpacks.get(name)
    client = client_for(backpacks.api(config))
    if isinstance(client, BadgrClient):
        ids = [entity.get("openBadgeId") for entity in await client.assertions()]
    else:
        ids = list(await client.remote_ids())
    seen: dict[str, None] = {}
    for value in ids:
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            seen.setdefault(value, None)
    return list(seen)


async def pull_backpacks(backpacks: BackpackService, keeper: BadgeKeeper) -> PullReport:
    """Save what each connected backpack holds and the library lacks."""
    report = PullReport()
    for name, config in (await backpacks.configs()).items():
        if await backpacks.blocked(name) is not None:
            continue
        try:
            held = await held_assertion_ids(backpacks, name)
        except BadgekeeperError as exc:
            log.info("pull from backpack %s failed: %s", name, exc.code.name)
            report.failed[name] = {"code": exc.code.name, "message": exc.message}
            continue
        saved: list[str] = []
        for assertion_id in held:
            if len(saved) >= MAX_PULL:
                break
            if await keeper.library.find(assertion_id=assertion_id) is not None:
                continue
            try:
                source = SourceInfo(page_url=config.url, backpack=name)
                outcome = await keeper.save_url(assertion_id, source)
            except BadgekeeperError as exc:
                log.info("pulling %s from %s failed: %s", assertion_id, name, exc.code.name)
                report.failed[f"{name}:{assertion_id}"] = {
                    "code": exc.code.name,
                    "message": exc.message,
                }
                continue
            if outcome.created:
                saved.append(outcome.badge.id)
        report.pulled[name] = saved
    return report
