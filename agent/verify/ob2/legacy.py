"""Reading Open Badges 0.5, 1.0 and 1.1 documents as 2.0, the way validator-core upgrades them.

Earners still hold badges from before 2.0, so they are read, not refused.

Rules:
- The version comes from ``@context``: ``…/openbadges/v1`` is 1.1, ``…/v2`` (or any other context)
  is 2.0; without a context, a string ``recipient`` is 0.5 and anything else 1.0.
- 0.5 (what Mozilla's early backpack called "1.0"): ``recipient`` is an e-mail address or a
  ``sha256$…`` hash with a top-level ``salt``; ``issued_on``; the badge class and its issuer are
  embedded, the issuer naming its ``origin``, against which relative image and criteria paths
  resolve. Such a badge is hosted at the address it was found at.
- 1.0 / 1.1: ``verify: {type: hosted|signed, url}``; ``uid``; a badge class URL. A hosted badge
  lives at ``verify.url``; a signed one names its public key there.
- ``verify.url`` becomes ``verification`` (and ``creator`` for signed), ``uid`` becomes ``id``
  where there is no id, ``issued_on`` becomes ``issuedOn``; Unix timestamps stay and are read by
  :func:`agent.verify.dates.parse_badge_date`.
- Upgrading never fails: a value of the wrong type is carried over for the structure checks to
  report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from agent.verify.ob2.nodes import (
    Node,
    as_list,
    first_present,
    is_http_url,
    local_name,
    text_value,
)

V2 = "2.0"


@dataclass(frozen=True)
class ReadAssertion:
    """An assertion read as 2.0, with what its original form said about where it lives."""

    node: Node
    version: str  # "2.0", "1.1", "1.0" or "0.5"
    hosted_url: str | None  # where the issuer hosts it (hosted verification only)
    uid: str | None  # the legacy uid, which revocation lists of 1.x issuers name

    @property
    def legacy(self) -> bool:
        return self.version != V2


def _context_strings(context: Any) -> list[str]:
    entries = context if isinstance(context, list) else [context]
    return [entry for entry in entries if isinstance(entry, str)]


def detect_version(node: Node) -> str:
    """The Open Badges version a document is written in (see the module rules)."""
    if "@context" not in node:
        return "0.5" if isinstance(node.get("recipient"), str) else "1.0"
    contexts = _context_strings(node["@context"])
    if any("openbadges/v1" in entry for entry in contexts) and not any(
        "openbadges/v2" in entry for entry in contexts
    ):
        return "1.1"
    return V2


def verification_kind(node: Node) -> str | None:
    """``hosted``, ``signed``, ``other`` or None (absent) for an assertion's verification type."""
    verification = first_present(node, "verification", "verify")
    if not isinstance(verification, dict):
        return None
    names = {
        local_name(entry).lower()
        for entry in as_list(verification.get("type"))
        if isinstance(entry, str)
    }
    if names & {"hostedbadge", "hosted"}:
        return "hosted"
    if names & {"signedbadge", "signed"}:
        return "signed"
    return "other" if names else None


def _uid(node: Node) -> str | None:
    uid = node.get("uid")
    if isinstance(uid, (str, int)) and not isinstance(uid, bool):
        return str(uid)
    return None


def read_assertion(node: Node, *, fetched_from: str | None = None) -> ReadAssertion:
    """Read an assertion of any version as 2.0."""
    version = detect_version(node)
    if version == "0.5":
        return _read_0_5(node, fetched_from)
    if version in ("1.0", "1.1"):
        return _read_1_x(node, version, fetched_from)
    hosted_url = node.get("id") if verification_kind(node) != "signed" else None
    return ReadAssertion(
        node=node,
        version=V2,
        hosted_url=hosted_url if is_http_url(hosted_url) else None,
        uid=_uid(node),
    )


def _read_1_x(node: Node, version: str, fetched_from: str | None) -> ReadAssertion:
    upgraded = dict(node)
    verify = first_present(node, "verify", "verification")
    verify_url = verify.get("url") if isinstance(verify, dict) else None
    kind = verification_kind(node)
    if kind == "signed":
        verification: Any = {"type": "SignedBadge"}
        if text_value(verify_url):
            verification["creator"] = verify_url
    elif kind == "hosted":
        verification = {"type": "HostedBadge"}
    else:
        verification = verify  # absent or unusable: the structure checks say so
    upgraded.pop("verify", None)
    if verification is not None:
        upgraded["verification"] = verification
    hosted_url = None
    if kind != "signed":
        candidates = (verify_url, node.get("id"), fetched_from)
        hosted_url = next((str(url) for url in candidates if is_http_url(url)), None)
    if "id" not in upgraded:
        if kind == "hosted":
            upgraded["id"] = hosted_url
        elif _uid(node) is not None:
            upgraded["id"] = _uid(node)
    if upgraded.get("id") is None:
        upgraded.pop("id", None)
    if "issuedOn" not in upgraded and "issued_on" in upgraded:
        upgraded["issuedOn"] = upgraded.pop("issued_on")
    if isinstance(upgraded.get("recipient"), str):
        upgraded["recipient"] = _identity_from_string(upgraded["recipient"], node.get("salt"))
    upgraded.setdefault("type", "Assertion")
    return ReadAssertion(
        node=upgraded,
        version=version,
        hosted_url=hosted_url,
        uid=_uid(node),
    )


def _identity_from_string(identity: str, salt: Any) -> Node:
    recipient: Node = {"type": "email", "identity": identity, "hashed": "@" not in identity}
    if salt is not None:
        recipient["salt"] = salt
    return recipient


def _read_0_5(node: Node, fetched_from: str | None) -> ReadAssertion:
    upgraded = {key: value for key, value in node.items() if key not in ("salt", "issued_on")}
    upgraded["type"] = "Assertion"
    upgraded["recipient"] = _identity_from_string(node["recipient"], node.get("salt"))
    if "issuedOn" not in node and "issued_on" in node:
        upgraded["issuedOn"] = node["issued_on"]
    upgraded["verification"] = {"type": "HostedBadge"}
    if fetched_from and "id" not in upgraded:
        upgraded["id"] = fetched_from
    badge = node.get("badge")
    if isinstance(badge, dict):
        upgraded["badge"] = upgrade_0_5_badge_class(badge)
    hosted = fetched_from or (node.get("id") if is_http_url(node.get("id")) else None)
    return ReadAssertion(node=upgraded, version="0.5", hosted_url=hosted, uid=_uid(node))


def upgrade_0_5_badge_class(badge: Node) -> Node:
    """An embedded 0.5 badge class: issuer origin → url, contact → email, paths made absolute."""
    upgraded = dict(badge)
    upgraded.setdefault("type", "BadgeClass")
    issuer = badge.get("issuer")
    origin: str | None = None
    if isinstance(issuer, dict):
        upgraded["issuer"] = upgrade_0_5_issuer(issuer)
        origin = (
            upgraded["issuer"].get("url") if is_http_url(upgraded["issuer"].get("url")) else None
        )
    if origin:
        for prop in ("image", "criteria"):
            value = upgraded.get(prop)
            if isinstance(value, str) and value.startswith("/"):
                upgraded[prop] = urljoin(origin, value)
    return upgraded


def upgrade_0_5_issuer(issuer: Node) -> Node:
    """A 0.5 issuer: ``origin`` is its url, ``contact`` its e-mail, ``org`` part of its name."""
    upgraded = dict(issuer)
    upgraded.setdefault("type", "Issuer")
    for old, new in (("origin", "url"), ("contact", "email")):
        if old in upgraded and new not in upgraded:
            upgraded[new] = upgraded.pop(old)
    name, org = upgraded.get("name"), upgraded.pop("org", None)
    if isinstance(name, str) and isinstance(org, str) and org.strip():
        upgraded["name"] = f"{name}: {org}"
    return upgraded


def read_linked_node(node: Node, *, fetched_from: str, expected_type: str) -> tuple[Node, str]:
    """A fetched badge class or issuer of any version, read as 2.0: (node, version).

    Before 2.0 a document was identified by the address it was fetched from, so a legacy
    document without an id takes that address.
    """
    version = detect_version(node)
    if version == V2:
        return node, version
    upgraded = dict(node)
    upgraded.setdefault("id", fetched_from)
    upgraded.setdefault("type", expected_type)
    if expected_type == "Issuer" and "origin" in upgraded:
        upgraded = upgrade_0_5_issuer(upgraded)
    return upgraded, version
