"""The library's typed records and the JSON shapes they render to (DESIGN's ``list --json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from agent.verify.result import Status

UploadState = Literal["queued", "uploading", "done", "failed"]
SortKey = Literal["saved_at", "name", "issued_on", "position"]

STATUSES: tuple[Status, ...] = ("valid", "invalid", "revoked", "expired", "error")
UPLOAD_STATES: tuple[UploadState, ...] = ("queued", "uploading", "done", "failed")


@dataclass(frozen=True)
class SourceInfo:
    """Where a badge was saved from, as the extension or the CLI knows it."""

    page_url: str | None = None
    image_url: str | None = None
    mail_subject: str | None = None
    mail_sender: str | None = None
    mail_date: str | None = None
    backpack: str | None = None  # the backpack it was pulled from (never set by a client)


@dataclass(frozen=True)
class SourceRecord:
    """One recorded source of a badge (a badge saved twice has two)."""

    page_url: str | None
    image_url: str | None
    mail_subject: str | None
    mail_sender: str | None
    mail_date: str | None
    saved_at: str
    backpack: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "page_url": self.page_url,
            "image_url": self.image_url,
            "mail_subject": self.mail_subject,
            "mail_sender": self.mail_sender,
            "mail_date": self.mail_date,
            "backpack": self.backpack,
            "saved_at": self.saved_at,
        }


@dataclass(frozen=True)
class UploadRecord:
    """The upload state of one badge to one backpack."""

    badge_id: str
    backpack: str
    state: UploadState
    remote_id: str | None
    attempts: int
    last_error: str | None
    updated_at: str
    next_attempt_at: str | None = None  # a queued upload is not tried before this (backoff)
    public_url: str | None = None  # the badge's public page at the backpack, once uploaded

    def to_json(self) -> dict[str, Any]:
        return {
            "backpack": self.backpack,
            "state": self.state,
            "remote_id": self.remote_id,
            "public_url": self.public_url,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": self.next_attempt_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class VerificationRecord:
    """One stored verification: its status, its time and the whole ``Verdict.to_json()``."""

    badge_id: str
    status: Status
    checked_at: str
    verdict: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "checked_at": self.checked_at, "verdict": self.verdict}


@dataclass(frozen=True)
class CollectionRef:
    """A collection a badge belongs to, as a badge record names it."""

    id: int
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class CollectionRecord:
    """A named, ordered group of badges."""

    id: int
    name: str
    position: int
    badge_ids: tuple[str, ...]
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "position": self.position,
            "badges": list(self.badge_ids),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def unreachable_note(unreachable: dict[str, str]) -> str:
    """The line the user sees next to a badge that kept its verdict."""
    return (
        f"last checked {unreachable.get('at', '')}: could not reach the issuer "
        f"({unreachable.get('message', '')})"
    )


@dataclass(frozen=True)
class BadgeRecord:
    """A saved badge with its current status, its sources, uploads and collections."""

    id: str
    assertion_id: str | None
    spec: str | None
    format: str | None
    payload: str
    payload_kind: str
    sha256: str | None  # of the saved image bytes; None when saved from a URL without image
    media_type: str | None
    name: str | None
    description: str | None
    criteria: str | None
    image_url: str | None
    issuer_id: str | None
    issuer_name: str | None
    issuer_url: str | None
    badge_class_id: str | None
    issued_on: str | None
    expires: str | None
    status: Status
    checked_at: str
    # From the latest verification, so the popup can explain a status without another query.
    errors: tuple[dict[str, str], ...]
    warnings: tuple[dict[str, str], ...]
    recipient: dict[str, Any]
    saved_at: str
    updated_at: str
    # The last background check could not reach the issuer ({at, code, message}): the status
    # above is the last verdict, kept.
    unreachable: dict[str, str] | None = None
    expiring_announced: str | None = None  # the expiry date a badge.expiring was sent for
    sources: tuple[SourceRecord, ...] = ()  # newest first
    uploads: tuple[UploadRecord, ...] = ()
    collections: tuple[CollectionRef, ...] = field(default=())

    @property
    def source(self) -> SourceRecord | None:
        """The latest source, or None for a badge whose sources were never recorded."""
        return self.sources[0] if self.sources else None

    @property
    def recipient_mismatch(self) -> bool:
        """True when the latest verification found the badge issued to another recipient."""
        return any(error.get("code") == "RECIPIENT_MISMATCH" for error in self.errors)

    def to_json(self) -> dict[str, Any]:
        latest = self.source
        return {
            "id": self.id,
            "assertion_id": self.assertion_id,
            "status": self.status,
            "name": self.name,
            "description": self.description,
            "criteria": self.criteria,
            "image_url": self.image_url,
            "badge_class_id": self.badge_class_id,
            "issuer": {"id": self.issuer_id, "name": self.issuer_name, "url": self.issuer_url},
            "sha256": self.sha256,
            "media_type": self.media_type,
            "spec": self.spec,
            "format": self.format,
            "payload_kind": self.payload_kind,
            "issued_on": self.issued_on,
            "expires": self.expires,
            "saved_at": self.saved_at,
            "updated_at": self.updated_at,
            "checked_at": self.checked_at,
            "unreachable": (
                None
                if self.unreachable is None
                else {**self.unreachable, "note": unreachable_note(self.unreachable)}
            ),
            "errors": [dict(error) for error in self.errors],
            "warnings": [dict(warning) for warning in self.warnings],
            "recipient": dict(self.recipient),
            "recipient_mismatch": self.recipient_mismatch,
            "source": latest.to_json() if latest else None,
            "sources": [source.to_json() for source in self.sources],
            "uploads": [upload.to_json() for upload in self.uploads],
            "collections": [collection.to_json() for collection in self.collections],
        }


@dataclass(frozen=True)
class SaveResult:
    """What ``save`` did: the badge as now stored, and whether it was new."""

    badge: BadgeRecord
    created: bool


@dataclass(frozen=True)
class Page:
    """One page of badges, the number matching the filters, and the cursor of the next page."""

    items: list[BadgeRecord]
    total: int
    next_cursor: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "items": [item.to_json() for item in self.items],
            "total": self.total,
            "next_cursor": self.next_cursor,
        }
