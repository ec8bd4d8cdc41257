"""What the Open Badges 2.0 specification requires of an Assertion, BadgeClass and Profile.

Rules:
- Absent (or null, or an empty string) is MISSING_PROPERTY; present with the wrong JSON type is
  INVALID_PROPERTY. Each message names the document and the property.
- ``type`` is required of 2.0 documents; documents upgraded from 1.x get theirs from the upgrade.
- The badge class ``image`` is required (the spec marks it mandatory, as validator-core does).
- An issuer needs a ``name`` and a way to reach it: ``url`` or ``email`` (1.x required only url).
- Links to other documents (``badge``, ``issuer``) are checked by following them, not here, and
  dates by the date check, so no problem is reported twice.
"""

from __future__ import annotations

from typing import Any

from agent.errors import ErrorCode
from agent.verify.ob2.legacy import verification_kind
from agent.verify.ob2.nodes import Node, first_present, local_types, reference_id, shown
from agent.verify.result import Finding

_ASK = "Ask the issuer to re-issue the badge."


class _Problems:
    """Collects the structural problems of one document."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.found: list[Finding] = []

    def missing(self, prop: str, why: str = "") -> None:
        reason = f" ({why})" if why else ""
        self.found.append(
            Finding(
                ErrorCode.MISSING_PROPERTY,
                f"The {self.what} has no '{prop}', which the Open Badges specification requires"
                f"{reason}. {_ASK}",
            )
        )

    def invalid(self, prop: str, expected: str, value: Any) -> None:
        self.found.append(
            Finding(
                ErrorCode.INVALID_PROPERTY,
                f"The {self.what}'s '{prop}' is {shown(value, 60)}, but must be {expected}. {_ASK}",
            )
        )

    def text(self, node: Node, prop: str, *, required: bool) -> None:
        value = node.get(prop)
        if _absent(value):
            if required:
                self.missing(prop)
        elif not isinstance(value, str):
            self.invalid(prop, "text", value)

    def reference(self, node: Node, prop: str, *, required: bool, what: str) -> None:
        """An IRI string or an embedded object with an id (image, criteria …)."""
        value = node.get(prop)
        if _absent(value):
            if required:
                self.missing(prop, what)
        elif not isinstance(value, (str, dict)) or (
            isinstance(value, dict) and reference_id(value) is None and prop != "criteria"
        ):
            self.invalid(prop, f"a URL or an object with an 'id' ({what})", value)

    def types(self, node: Node, expected: tuple[str, ...]) -> None:
        value = first_present(node, "type", "@type")
        if _absent(value):
            self.missing("type")
        elif not local_types(node) & set(expected):
            self.invalid("type", " or ".join(f"'{name}'" for name in expected), value)

    def identifier(self, node: Node) -> None:
        value = node.get("id")
        if _absent(value):
            self.missing("id")
        elif not isinstance(value, str):
            self.invalid("id", "an IRI", value)


def _absent(value: Any) -> bool:
    return value is None or value == "" or value == []


def assertion_problems(node: Node, *, version: str) -> list[Finding]:
    """Required properties of an Assertion (badge and dates are checked elsewhere)."""
    report = _Problems("assertion")
    report.identifier(node)
    if version == "2.0":
        report.types(node, ("Assertion",))
    _recipient_problems(node, report)
    verification = first_present(node, "verification", "verify")
    if _absent(verification):
        report.missing("verification", "how to verify it: hosted or signed")
    elif not isinstance(verification, dict):
        report.invalid("verification", "an object with a 'type'", verification)
    elif _absent(verification.get("type")):
        report.missing("verification.type", "HostedBadge or SignedBadge")
    elif verification_kind(node) not in ("hosted", "signed"):
        report.invalid("verification.type", "HostedBadge or SignedBadge", verification["type"])
    if _absent(node.get("issuedOn")):
        report.missing("issuedOn", "when it was awarded")
    report.reference(node, "image", required=False, what="the baked image")
    report.text(node, "narrative", required=False)
    return report.found


def _recipient_problems(node: Node, report: _Problems) -> None:
    recipient = node.get("recipient")
    if _absent(recipient):
        report.missing("recipient", "who earned it")
        return
    if not isinstance(recipient, dict):
        report.invalid("recipient", "an object with 'identity', 'type' and 'hashed'", recipient)
        return
    if _absent(recipient.get("identity")):
        report.missing("recipient.identity")
    elif not isinstance(recipient["identity"], str):
        report.invalid("recipient.identity", "text or a hash", recipient["identity"])
    if _absent(recipient.get("type")):
        report.missing("recipient.type", "email, url, telephone or id")
    elif not isinstance(recipient["type"], str):
        report.invalid("recipient.type", "email, url, telephone or id", recipient["type"])
    if "hashed" in recipient and not isinstance(recipient["hashed"], bool):
        report.invalid("recipient.hashed", "true or false", recipient["hashed"])
    salt = recipient.get("salt")
    if salt is not None and not isinstance(salt, str):
        report.invalid("recipient.salt", "text", salt)


def badge_class_problems(node: Node, *, version: str) -> list[Finding]:
    """Required properties of a BadgeClass (its issuer is checked by following it)."""
    report = _Problems("badge class")
    if version == "2.0" or "id" in node:
        report.identifier(node)
    if version == "2.0":
        report.types(node, ("BadgeClass",))
    report.text(node, "name", required=True)
    report.text(node, "description", required=True)
    report.reference(node, "image", required=True, what="an image of the achievement")
    report.reference(node, "criteria", required=True, what="how the badge is earned")
    criteria = node.get("criteria")
    if isinstance(criteria, dict) and not (
        reference_id(criteria) or isinstance(criteria.get("narrative"), str)
    ):
        report.invalid("criteria", "a URL or an object with an 'id' or a 'narrative'", criteria)
    return report.found


def issuer_problems(node: Node, *, version: str) -> list[Finding]:
    """Required properties of an issuer Profile."""
    report = _Problems("issuer profile")
    if version == "2.0" or "id" in node:
        report.identifier(node)
    if version == "2.0":
        report.types(node, ("Issuer", "Profile"))
    report.text(node, "name", required=True)
    report.text(node, "url", required=False)
    report.text(node, "email", required=False)
    if _absent(node.get("url")) and _absent(node.get("email")):
        report.missing("url", "or an 'email': a way to reach the issuer")
    return report.found
