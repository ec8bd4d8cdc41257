"""The verdict: what verification found, in the shape of DESIGN.md's ``verify --json`` contract.

Rules:
- The status is derived from the errors, never set by hand: an ``error`` outcome wins (no verdict
  could be reached), then ``invalid``, ``revoked``, ``expired``; no errors means ``valid``.
- Every status other than ``valid`` therefore carries at least one error with a code.
- Warnings never change the status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from agent.errors import ErrorCode

Status = Literal["valid", "invalid", "revoked", "expired", "error"]
Spec = Literal["ob2", "ob3"]
Format = Literal["hosted", "signed", "vc-jwt", "data-integrity"]

_PRECEDENCE: tuple[Status, ...] = ("error", "invalid", "revoked", "expired")


@dataclass(frozen=True)
class Finding:
    """One error or warning: a stable code and a sentence saying what happened and what to do."""

    code: ErrorCode
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code.name, "message": self.message}


@dataclass(frozen=True)
class Check:
    """One check as the human report lists it (``signature``, ``recipient``, ``revocation`` …)."""

    name: str
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass
class RecipientResult:
    """Whether the recipient was checked against the user's addresses, and the outcome."""

    checked: bool = False
    matched: bool | None = None
    identity: str | None = None  # the plaintext identity when the badge carries one
    type: str | None = None  # email, url, telephone, did, …
    hashed: bool = False
    matched_address: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "matched": self.matched,
            "identity": self.identity,
            "type": self.type,
            "hashed": self.hashed,
            "matched_address": self.matched_address,
        }


@dataclass
class BadgeSummary:
    """The badge normalised across specs: what the library and the popup show."""

    id: str | None = None  # OB 2.0 assertion id / OB 3.0 credential id
    name: str | None = None
    description: str | None = None
    criteria: str | None = None  # criteria URL or narrative
    image: str | None = None  # image URL or data URI as the badge names it
    badge_class_id: str | None = None  # OB 2.0 BadgeClass id / OB 3.0 Achievement id
    issuer_id: str | None = None
    issuer_name: str | None = None
    issuer_url: str | None = None
    issued_on: str | None = None  # ISO 8601 as normalised (UTC, "Z")
    expires: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "criteria": self.criteria,
            "image": self.image,
            "badge_class_id": self.badge_class_id,
            "issuer": {"id": self.issuer_id, "name": self.issuer_name, "url": self.issuer_url},
            "issued_on": self.issued_on,
            "expires": self.expires,
        }


@dataclass
class Verdict:
    """The result of verifying one source. Mutable while verification runs, then reported."""

    source: str
    checked_at: datetime
    spec: Spec | None = None
    format: Format | None = None
    payload_kind: str | None = None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    recipient: RecipientResult = field(default_factory=RecipientResult)
    badge: BadgeSummary = field(default_factory=BadgeSummary)
    # The documents verification relied on (assertion, badge class, issuer, credential), by role.
    # Kept for the library; not part of the JSON report.
    documents: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        outcomes = {finding.code.outcome for finding in self.errors}
        for status in _PRECEDENCE:
            if status in outcomes:
                return status
        return "valid"

    def fail(
        self, code: ErrorCode, message: str | None = None, *, check: str | None = None
    ) -> None:
        """Record an error (its code's outcome decides the status); optionally as a named check."""
        text = message or code.hint
        if code.outcome == "warning":
            self.warnings.append(Finding(code, text))
        else:
            self.errors.append(Finding(code, text))
        if check:
            self.checks.append(Check(check, False, text))

    def warn(self, code: ErrorCode, message: str | None = None) -> None:
        self.warnings.append(Finding(code, message or code.hint))

    def passed(self, check: str, detail: str) -> None:
        """Record a check that passed, for the human report."""
        self.checks.append(Check(check, True, detail))

    def has_code(self, code: ErrorCode) -> bool:
        return any(f.code is code for f in (*self.errors, *self.warnings))

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "spec": self.spec,
            "format": self.format,
            "errors": [f.to_json() for f in self.errors],
            "warnings": [f.to_json() for f in self.warnings],
            "checks": [c.to_json() for c in self.checks],
            "recipient": self.recipient.to_json(),
            "badge": self.badge.to_json(),
            "checked_at": self.checked_at.isoformat().replace("+00:00", "Z"),
        }
