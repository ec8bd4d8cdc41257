"""Reading backpack answers the same way for every kind: receipts, public links, common errors."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from agent.backpack.config import BackpackConfig
from agent.backpack.errors import BackpackError, protocol_error
from agent.backpack.http import HttpAnswer
from agent.backpack.payloads import UploadItem
from agent.errors import ErrorCode

_LINK = re.compile(r"<([^>]{1,2000})>\s*((?:;\s*[a-zA-Z*]+\s*=\s*(?:\"[^\"]*\"|[^;,]*)\s*)*)")
_PARAM = re.compile(r";\s*([a-zA-Z*]+)\s*=\s*(?:\"([^\"]*)\"|([^;,]*))")


@dataclass(frozen=True)
class Receipt:
    """What a backpack said about an upload: its id there, its public page, and whether it
    already had the badge (a duplicate counts as delivered)."""

    remote_id: str | None
    public_url: str | None
    duplicate: bool = False


def html_alternate(answer: HttpAnswer) -> str | None:
    """The ``Link: <url>; rel="alternate"; type="text/html"`` target: the badge's public page."""
    header = answer.headers.get("link", "")
    for match in _LINK.finditer(header):
        params = {
            name.lower(): (quoted if quoted is not None else bare).strip()
            for name, quoted, bare in _PARAM.findall(match.group(2))
        }
        if "alternate" in params.get("rel", "").split() and params.get("type", "text/html") in (
            "text/html",
            "",
        ):
            url = match.group(1).strip()
            if url.startswith(("https://", "http://")):
                return url
    return None


def server_error(config: BackpackConfig, answer: HttpAnswer) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_SERVER_ERROR,
        f"The backpack {config.name!r} answered with a server error (HTTP {answer.status}). "
        "Badgekeeper retries queued uploads by itself; if it persists, tell the backpack's "
        "operator.",
        retry_after=answer.retry_after(),
    )


def rate_limited(config: BackpackConfig, answer: HttpAnswer) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_SERVER_ERROR,
        f"The backpack {config.name!r} asked Badgekeeper to slow down (HTTP 429). Queued uploads "
        "continue later by themselves.",
        retry_after=answer.retry_after(),
    )


def no_permission(config: BackpackConfig) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_RECONNECT,
        f"The backpack {config.name!r} did not give Badgekeeper permission to add badges. Run "
        f"`badgekeeper backpack connect {config.name}` and approve adding badges.",
    )


def unexpected(config: BackpackConfig, answer: HttpAnswer, what: str) -> BackpackError:
    return protocol_error(answer.host, f"answered HTTP {answer.status} to {what}")


def rejected(config: BackpackConfig, item: UploadItem, reason: str | None) -> BackpackError:
    shown = f": {reason.strip()[:300]}" if reason and reason.strip() else ""
    return BackpackError(
        ErrorCode.BACKPACK_REJECTED,
        f"The backpack {config.name!r} refused {item.name or item.badge_id!r}{shown}. Check the "
        f"badge with `badgekeeper show {item.badge_id}`.",
    )


def recipient_mismatch(config: BackpackConfig, item: UploadItem) -> BackpackError:
    """Badgr's VERIFY_RECIPIENT_IDENTIFIER (and its kin), explained with both addresses."""
    account = config.account
    issued_to = item.matched_address
    if account and issued_to:
        text = (
            f"Your backpack account {config.name!r} uses {account}; this badge was issued to "
            f"{issued_to}: add and verify {issued_to} in the backpack, then upload again."
        )
    elif issued_to:
        text = (
            f"The backpack account {config.name!r} does not have the address this badge was "
            f"issued to ({issued_to}): add and verify it in the backpack, then upload again."
        )
    else:
        uses = f" (it uses {account})" if account else ""
        text = (
            f"The badge was issued to an address your backpack account {config.name!r} does not "
            f"have{uses}: add and verify the badge's address in the backpack, then upload again."
        )
    return BackpackError(ErrorCode.BACKPACK_RECIPIENT_MISMATCH, text)


def jws_payload_id(token: Any) -> str | None:
    """The ``id`` inside a compact JWS's payload (unverified: only to name what a list holds)."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 1_000_000:
        return None
    middle = token.split(".")[1]
    try:
        payload = json.loads(base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4)))
    except (ValueError, binascii.Error):
        return None
    identifier = payload.get("id") if isinstance(payload, dict) else None
    if identifier is None and isinstance(payload, dict):
        identifier = payload.get("jti")
    return identifier if isinstance(identifier, str) else None


def ids_of(documents: Any) -> list[str]:
    """The ``id`` of each JSON object in a list (anything else skipped)."""
    if not isinstance(documents, list):
        return []
    return [
        doc["id"] for doc in documents if isinstance(doc, dict) and isinstance(doc.get("id"), str)
    ]
