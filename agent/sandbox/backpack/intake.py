"""What the sandbox backpack does with a badge it receives: verify it, check its recipient, keep it.

Like a real backpack it does not trust what it is sent: it verifies the badge with Badgekeeper's
own verifier (its fetcher may reach only the sandbox issuer), refuses a badge issued to an
address the account does not have (Badgr's ``VERIFY_RECIPIENT_IDENTIFIER``), and refuses one
that is not valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from agent.bakery import read_source
from agent.bakery.model import PayloadKind, Unbaked
from agent.errors import BadgekeeperError, ErrorCode
from agent.fetch.model import Fetcher
from agent.sandbox.backpack.store import SandboxStore, StoredBadge
from agent.verify import VerifyContext, verify_unbaked

Refusal = Literal["recipient", "invalid", "malformed", "version", "unverifiable"]
MAX_IMAGE_BYTES = 8 * 1024 * 1024


class IntakeRefused(Exception):
    """Why a badge was not kept; each API turns it into its own error answer."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Incoming:
    """A badge as received: its payload, and the baked image when one came with it."""

    kind: PayloadKind
    payload: str
    image: bytes | None = None
    image_type: str | None = None


def incoming_bytes(data: bytes) -> Incoming:
    """A baked image or a payload file, as uploaded."""
    try:
        unbaked = read_source(data)
    except BadgekeeperError as exc:
        raise IntakeRefused("malformed", exc.message) from exc
    types = {"png": "image/png", "svg": "image/svg+xml"}
    image_type = types.get(unbaked.container)
    return Incoming(unbaked.kind, unbaked.payload, data if image_type else None, image_type)


def incoming_data_uri(uri: str) -> Incoming:
    """Badgr's ``image``: a ``data:`` URI of the baked image."""
    head, comma, body = uri.partition(",")
    if not comma or not head.startswith("data:") or not head.endswith(";base64"):
        raise IntakeRefused("malformed", "The image is not a base64 data: URI.")
    if len(body) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise IntakeRefused("malformed", "The image is too large.")
    try:
        data = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise IntakeRefused("malformed", "The image's base64 is damaged.") from exc
    return incoming_bytes(data)


class Intake:
    """Verifies and keeps received badges for the accounts of one store."""

    def __init__(self, store: SandboxStore, fetcher: Fetcher) -> None:
        self.store = store
        self.fetcher = fetcher

    async def accept(
        self, account_id: int, incoming: Incoming, *, spec: str
    ) -> tuple[StoredBadge, bool]:
        """Verify and keep; ``(badge, created)`` (False: the account had it: a duplicate)."""
        emails = [email for email, verified in self.store.emails(account_id) if verified]
        unbaked = Unbaked(incoming.payload, incoming.kind, container="text", keyword="upload")
        verdict = await verify_unbaked(
            unbaked, VerifyContext(fetcher=self.fetcher, emails=emails), source="upload"
        )
        if verdict.spec != spec:
            raise IntakeRefused(
                "version", f"This endpoint takes {spec} badges; this one is {verdict.spec}."
            )
        if verdict.has_code(ErrorCode.RECIPIENT_MISMATCH):
            raise IntakeRefused(
                "recipient",
                "The recipient does not match any of your verified emails "
                f"({', '.join(emails) or 'none'}).",
            )
        if (
            verdict.status == "error"
        ):  # we could not tell (the issuer is down): not the badge's fault
            first = verdict.errors[0].message if verdict.errors else "no verdict"
            raise IntakeRefused("unverifiable", f"The badge cannot be checked now: {first}")
        if verdict.status != "valid":
            first = verdict.errors[0].message if verdict.errors else verdict.status
            raise IntakeRefused("invalid", f"The badge is {verdict.status}: {first}")
        summary = verdict.badge
        assertion_id = summary.id or hashlib.sha256(incoming.payload.encode()).hexdigest()
        image_url = summary.image if (summary.image or "").startswith("http") else None
        badge = StoredBadge(
            id=secrets.token_hex(6),
            account_id=account_id,
            assertion_id=assertion_id,
            spec=spec,
            payload_kind=incoming.kind.value,
            payload=incoming.payload,
            image=incoming.image,
            image_type=incoming.image_type,
            image_url=image_url,
            name=summary.name,
            description=summary.description,
            issuer_name=summary.issuer_name,
            issued_on=summary.issued_on,
            state="accepted",
        )
        return self.store.keep_badge(badge)
