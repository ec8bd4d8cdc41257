"""Badge methods: inspect, save, list, get, verify, delete, thumbnail, export.

Rules:
- Badge bytes travel as base64, browser → agent only; what goes back to a browser stays well
  under Chrome's 1 MiB message limit: thumbnails, SVG only up to ``MAX_INLINE_SVG_BYTES``, an
  export only up to ``MAX_EXPORT_CHARS`` of base64 (else a ``RESULT_TOO_LARGE`` error that names
  the command to use), pages of at most ``MAX_PAGE`` badges.
- Logs name badge ids and outcomes, never payloads or image bytes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.errors import BadgekeeperError, ErrorCode
from agent.library import SourceInfo
from agent.library.files import SVG
from agent.library.models import STATUSES, SortKey
from agent.library.thumbnails import DEFAULT_SIZE, MAX_SIZE, MIN_SIZE
from agent.rpc.params import Params, encode_binary, encoded_length
from agent.rpc.protocol import MAX_SAFE_INTEGER
from agent.rpc.registry import Method, method
from agent.rpc.services import AgentServices

if TYPE_CHECKING:
    from agent.keeper import SaveOutcome

log = logging.getLogger(__name__)

MAX_BADGE_BYTES = 48 * 1024 * 1024  # 64 MiB of message holds 48 MiB as base64
MAX_URL_CHARS = 8192
MAX_ID_CHARS = 80
MAX_SEARCH_CHARS = 200
MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000
MAX_INLINE_SVG_BYTES = 256 * 1024
MAX_EXPORT_CHARS = 700 * 1024
MAX_PATH_CHARS = 4096
VERIFICATIONS_SHOWN = 10
SOURCE_KEYS = ("page_url", "image_url", "mail_subject", "mail_sender", "mail_date")
SORT_KEYS: tuple[SortKey, ...] = ("saved_at", "name", "issued_on", "position")
_EXPORT_TYPES = {
    ".png": "image/png",
    ".svg": SVG,
    ".json": "application/json",
    ".jws": "application/jose",
    ".jwt": "application/jwt",
    ".txt": "text/plain",
}


def outcome_json(outcome: SaveOutcome) -> dict[str, Any]:
    """The result of a save or a verification: the badge as stored and the verdict."""
    return {
        "badge": outcome.badge.to_json(),
        "created": outcome.created,
        "verdict": outcome.verdict.to_json(),
    }


def _badge_id(params: Params, name: str = "id") -> str:
    return params.text(name, max_chars=MAX_ID_CHARS)


def _source(params: Params) -> SourceInfo:
    source = params.record("source", SOURCE_KEYS)
    if source is None:
        return SourceInfo()
    page_url, image_url, subject, sender, date = (
        source.optional_text(key, min_chars=0) or None for key in SOURCE_KEYS
    )
    return SourceInfo(
        page_url=page_url,
        image_url=image_url,
        mail_subject=subject,
        mail_sender=sender,
        mail_date=date,
    )


async def inspect_badge(services: AgentServices, params: Params) -> Any:
    data = params.binary("data", max_bytes=MAX_BADGE_BYTES)
    return await services.keeper.inspect(data)


async def save_badge(services: AgentServices, params: Params) -> Any:
    if ("data" in params) == ("url" in params):
        raise params.invalid("data", "or 'url' is required (one of them, not both)")
    source = _source(params)
    if "data" in params:
        data = params.binary("data", max_bytes=MAX_BADGE_BYTES)
        outcome = await services.keeper.save_bytes(data, source)
    else:
        url = params.text("url", max_chars=MAX_URL_CHARS)
        outcome = await services.keeper.save_url(url, source)
    return outcome_json(outcome)  # the keeper logs the badge id and the verdict


async def list_badges(services: AgentServices, params: Params) -> Any:
    text = params.optional_text("text", max_chars=MAX_SEARCH_CHARS, min_chars=0)
    issuer = params.optional_text("issuer", max_chars=MAX_URL_CHARS, min_chars=0)
    page = await services.library.list_badges(
        status=params.choices("status", STATUSES),
        text=text or None,
        collection=params.optional_integer("collection", minimum=1, maximum=MAX_SAFE_INTEGER),
        issuer=issuer or None,
        sort=params.choice("sort", SORT_KEYS, default="saved_at"),
        descending=params.boolean("descending", default=True),
        limit=params.integer("limit", minimum=1, maximum=MAX_PAGE, default=50),
        offset=params.integer("offset", minimum=0, maximum=MAX_OFFSET, default=0),
        cursor=params.optional_text("cursor", max_chars=1000),
    )
    return page.to_json()


async def get_badge(services: AgentServices, params: Params) -> Any:
    badge = await services.library.get(_badge_id(params))
    verifications = await services.library.verifications(badge.id, VERIFICATIONS_SHOWN)
    return {
        "badge": badge.to_json(),
        "sources": [source.to_json() for source in badge.sources],
        "verifications": [verification.to_json() for verification in verifications],
        "uploads": [upload.to_json() for upload in badge.uploads],
    }


async def verify_badge(services: AgentServices, params: Params) -> Any:
    outcome = await services.keeper.reverify(_badge_id(params))
    log.info("verified badge %s: %s", outcome.badge.id, outcome.verdict.status)
    return outcome_json(outcome)


async def delete_badge(services: AgentServices, params: Params) -> Any:
    record = await services.keeper.delete(_badge_id(params))
    log.info("deleted badge %s", record.id)
    return {"badge": record.to_json()}


async def badge_thumbnail(services: AgentServices, params: Params) -> Any:
    badge_id = _badge_id(params)
    size = params.integer("size", minimum=MIN_SIZE, maximum=MAX_SIZE, default=DEFAULT_SIZE)
    badge = await services.library.get(badge_id)
    if badge.media_type == SVG:
        image = await services.library.image(badge.id)
        if image is None or len(image[0]) > MAX_INLINE_SVG_BYTES:
            return None
        return {"media_type": SVG, "data": encode_binary(image[0])}
    thumbnail = await services.library.thumbnail(badge.id, size)
    if thumbnail is None:
        return None
    return {"media_type": "image/png", "data": encode_binary(thumbnail)}


async def export_badge(services: AgentServices, params: Params) -> Any:
    badge_id = _badge_id(params)
    filename, data = await services.library.export_badge(badge_id)
    if encoded_length(len(data)) > MAX_EXPORT_CHARS:
        raise BadgekeeperError(
            ErrorCode.RESULT_TOO_LARGE,
            f"This badge's file is {len(data) // 1024} KB, too large to pass to the browser. "
            f"Export it with `badgekeeper export {badge_id}` instead.",
        )
    media_type = _EXPORT_TYPES.get(Path(filename).suffix.lower(), "application/octet-stream")
    return {"filename": filename, "media_type": media_type, "data": encode_binary(data)}


async def export_library(services: AgentServices, params: Params) -> Any:
    path = Path(params.text("path", max_chars=MAX_PATH_CHARS))
    # The agent writes where it is told: only absolute .zip paths, so a request can never
    # overwrite a file of another kind (a shell profile, a key) with a zip.
    if not path.is_absolute():
        raise params.invalid("path", "must be an absolute path")
    if path.suffix.lower() != ".zip":
        raise params.invalid("path", "must name a .zip file")
    count = await services.library.export_library(path)
    log.info("exported %d badges", count)
    return {"path": str(path), "count": count}


METHODS: tuple[Method, ...] = (
    method("badge.inspect", inspect_badge, "data"),
    method("badge.save", save_badge, "data", "url", "source", writes=True),
    method(
        "badge.list",
        list_badges,
        *("status", "text", "collection", "issuer", "sort", "descending"),
        *("limit", "offset", "cursor"),
    ),
    method("badge.get", get_badge, "id"),
    method("badge.verify", verify_badge, "id", writes=True),
    method("badge.delete", delete_badge, "id", writes=True),
    method("badge.thumbnail", badge_thumbnail, "id", "size"),
    method("badge.export", export_badge, "id"),
    method("library.export", export_library, "path", writes=True),
)
