"""Hosted verification scope: may this issuer's assertions live at this address?

Rules (Open Badges 2.0, VerificationObject):
- The policy is the issuer Profile's ``verification`` object. ``startsWith`` (one or many URL
  prefixes) and ``allowedOrigins`` (one or many host names) each narrow the scope; when both are
  given, both must hold.
- A ``startsWith`` prefix is compared with the scheme and host case-insensitively and the host
  as a whole: ``https://example.org`` does not admit ``https://example.org.evil.test/…``.
- An ``allowedOrigins`` entry is a host name, optionally with a port; without one it admits any
  port of that host (as ``BADGEKEEPER_ALLOW_HOSTS`` does). A full origin
  (``https://host:port``) is read as its host and port.
- Without either, the default is the issuer's own origin: same scheme, host and port as the
  issuer Profile's id (for an OB 0.5 issuer without an id, the origin it declared).
- An issuer with no web address at all cannot be bound to an origin; the assertion is then
  vouched for only by the host that served it, and the check passes saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from agent.verify.ob2.nodes import Node, as_list, is_http_url, origin_of, shown


@dataclass(frozen=True)
class ScopeResult:
    """Whether the assertion id is in scope, and a sentence saying why."""

    allowed: bool
    detail: str


def _starts_with(assertion_id: str, prefix: str) -> bool:
    try:
        subject, head = urlsplit(assertion_id), urlsplit(prefix)
    except ValueError:
        return False
    if not head.scheme or not head.netloc:
        return assertion_id.startswith(prefix)
    if (subject.scheme.lower(), subject.netloc.lower()) != (
        head.scheme.lower(),
        head.netloc.lower(),
    ):
        return False
    authority_length = len(subject.scheme) + 3 + len(subject.netloc)
    return assertion_id[authority_length:].startswith(
        prefix[len(head.scheme) + 3 + len(head.netloc) :]
    )


def _origin_entry(entry: str) -> tuple[str, int | None] | None:
    text = entry.strip()
    try:
        parts = urlsplit(text if "://" in text else f"//{text}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port


def _in_allowed_origins(assertion_id: str, entries: list[Any]) -> bool:
    origin = origin_of(assertion_id)
    if origin is None:
        return False
    _, host, port = origin
    for entry in entries:
        if not isinstance(entry, str):
            continue
        parsed = _origin_entry(entry)
        if parsed is not None and parsed[0] == host and parsed[1] in (None, port):
            return True
    return False


def _default_origin(issuer: Node) -> str | None:
    for candidate in (issuer.get("id"), issuer.get("url")):
        if is_http_url(candidate):
            return str(candidate)
    return None


def check_hosted_scope(assertion_id: str, issuer: Node) -> ScopeResult:
    """Decide whether a hosted assertion at ``assertion_id`` is in its issuer's scope."""
    policy = issuer.get("verification")
    policy = policy if isinstance(policy, dict) else {}
    prefixes = [p for p in as_list(policy.get("startsWith")) if isinstance(p, str) and p.strip()]
    origins = [o for o in as_list(policy.get("allowedOrigins")) if isinstance(o, str) and o.strip()]
    if prefixes or origins:
        if prefixes and not any(_starts_with(assertion_id, prefix) for prefix in prefixes):
            return ScopeResult(
                False,
                f"The assertion {shown(assertion_id)} does not start with any address its issuer "
                f"allows ({shown(', '.join(prefixes), 160)}). It may be a copy; ask the issuer "
                "for the original.",
            )
        if origins and not _in_allowed_origins(assertion_id, origins):
            return ScopeResult(
                False,
                f"The assertion {shown(assertion_id)} is hosted outside the origins its issuer "
                f"allows ({shown(', '.join(origins), 160)}). It may be a copy; ask the issuer for "
                "the original.",
            )
        return ScopeResult(True, "The assertion is hosted where its issuer's policy allows.")
    reference = _default_origin(issuer)
    if reference is None:
        return ScopeResult(
            True,
            "The issuer has no web address to bind the assertion to; only the host that served "
            "it vouches for it.",
        )
    if origin_of(assertion_id) != origin_of(reference):
        return ScopeResult(
            False,
            f"The assertion {shown(assertion_id)} is not hosted on its issuer's origin "
            f"({shown(reference)}), and the issuer declares no other allowed origin. It may be a "
            "copy; ask the issuer for the original.",
        )
    return ScopeResult(True, "The assertion is hosted on its issuer's own origin.")
