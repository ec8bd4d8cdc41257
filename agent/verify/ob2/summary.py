"""The badge as the library and the popup show it, read from OB 2.0 documents.

Each function owns a group of :class:`BadgeSummary` fields and overwrites all of them, so a
summary first taken from an embedded (untrusted) copy is replaced wholesale once the documents
the verdict relies on arrive. A value of the wrong type is shown as absent; the structure checks
report it.
"""

from __future__ import annotations

from typing import Any

from agent.errors import VerificationError
from agent.verify.dates import iso, parse_badge_date
from agent.verify.ob2.nodes import Node, as_list, reference_id, text_value
from agent.verify.result import Verdict


def _date(value: Any, field: str) -> str | None:
    if value is None:
        return None
    try:
        return iso(parse_badge_date(value, field=field))
    except VerificationError:
        return None


def _criteria(value: Any) -> str | None:
    if isinstance(value, dict):
        return reference_id(value) or text_value(value.get("narrative"))
    return text_value(value)


def summarise_assertion(verdict: Verdict, assertion: Node, *, uid: str | None = None) -> None:
    """Assertion id and dates; an embedded badge class and issuer too, until better ones come."""
    badge = verdict.badge
    badge.id = text_value(assertion.get("id")) or uid
    badge.issued_on = _date(assertion.get("issuedOn"), "issuedOn")
    badge.expires = _date(assertion.get("expires"), "expires")
    embedded = assertion.get("badge")
    if isinstance(embedded, dict):
        summarise_badge_class(verdict, embedded)
        if isinstance(embedded.get("issuer"), dict):
            summarise_issuer(verdict, embedded["issuer"])
    else:
        badge.badge_class_id = reference_id(embedded)
    if badge.image is None:
        badge.image = reference_id(assertion.get("image"))


def summarise_badge_class(verdict: Verdict, badge_class: Node) -> None:
    """Name, description, criteria, image and id of the badge class."""
    badge = verdict.badge
    badge.badge_class_id = reference_id(badge_class)
    badge.name = text_value(badge_class.get("name"))
    badge.description = text_value(badge_class.get("description"))
    badge.criteria = _criteria(badge_class.get("criteria"))
    badge.image = reference_id(badge_class.get("image"))
    issuer = badge_class.get("issuer")
    if not isinstance(issuer, dict):
        badge.issuer_id = reference_id(issuer)


def summarise_issuer(verdict: Verdict, issuer: Node) -> None:
    """Id, name and home page of the issuer."""
    badge = verdict.badge
    badge.issuer_id = reference_id(issuer)
    badge.issuer_name = text_value(issuer.get("name"))
    badge.issuer_url = next((url for url in as_list(issuer.get("url")) if text_value(url)), None)
