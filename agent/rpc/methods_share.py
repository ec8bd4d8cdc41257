"""Share methods: a badge's share links, and a collection written out as a zip or a page.

Rules:
- ``badge.share`` is pure over the stored badge: no network, nothing written.
- ``collections.export`` writes only where it is told with an absolute path: a ``.zip`` file,
  or a folder that is new, empty or an earlier Badgekeeper page (never a file of another kind).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from agent.rpc.params import Params
from agent.rpc.protocol import MAX_SAFE_INTEGER
from agent.rpc.registry import Method, method
from agent.rpc.services import AgentServices
from agent.share import TARGETS, Target, share_links
from agent.share.collection_export import export_collection_page, export_collection_zip
from agent.share.facts import MAX_URL_CHARS, is_public_url

log = logging.getLogger(__name__)

MAX_ID_CHARS = 80
MAX_PATH_CHARS = 4096
EXPORT_FORMATS = ("zip", "html")


async def share_badge(services: AgentServices, params: Params) -> Any:
    badge_id = params.text("id", max_chars=MAX_ID_CHARS)
    target: Target | None = None
    if "target" in params:
        target = params.choice("target", TARGETS, default=TARGETS[0])
    badge = await services.library.get(badge_id)
    return share_links(badge, target).to_json()


async def export_collection(services: AgentServices, params: Params) -> Any:
    collection_id = params.integer("id", minimum=1, maximum=MAX_SAFE_INTEGER)
    path = Path(params.text("path", max_chars=MAX_PATH_CHARS))
    export_format = params.choice("format", EXPORT_FORMATS, default="zip")
    base_url = params.optional_text("base_url", max_chars=MAX_URL_CHARS)
    if not path.is_absolute():
        raise params.invalid("path", "must be an absolute path")
    if export_format == "zip":
        if path.suffix.lower() != ".zip":
            raise params.invalid("path", "must name a .zip file")
        if base_url is not None:
            raise params.invalid("base_url", "is for the html format only")
        count = await export_collection_zip(services.library, collection_id, path)
    else:
        if base_url is not None and not is_public_url(base_url):
            raise params.invalid("base_url", "must be an http(s) address, such as https://…/")
        count = await export_collection_page(
            services.library, collection_id, path, base_url=base_url
        )
    log.info("exported collection %d as %s: %d badges", collection_id, export_format, count)
    return {"path": str(path), "format": export_format, "count": count}


METHODS: tuple[Method, ...] = (
    method("badge.share", share_badge, "id", "target"),
    method(
        "collections.export", export_collection, "id", "path", "format", "base_url", writes=True
    ),
)
