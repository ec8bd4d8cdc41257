"""Share links for LinkedIn, X, Facebook and e-mail, and the fields to copy into LinkedIn by hand.

Rules:
- Pure: a badge (record, JSON shape or ``ShareFacts``) in, strings out; no I/O, no clock.
- Every query value is percent-encoded as UTF-8 with nothing left safe (``&``, ``=``, ``/``,
  ``#`` and spaces included: a space is ``%20``, never ``+``, which ``mailto:`` would show).
- A field the badge does not have is left out of the link, never sent empty.
- Years and months are the calendar date as the issuer wrote it, months 1–12: no time zone is
  applied (``2024-01-01T00:30:00+02:00`` is January 2024).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import quote

from agent.errors import BadgekeeperError
from agent.share.facts import BadgeLike, ShareFacts, facts_of, public_url
from agent.share.tweet import fit_text, hashtags_for
from agent.verify.dates import parse_badge_date

Target = Literal["linkedin", "linkedin-post", "x", "facebook", "email"]
TARGETS: tuple[Target, ...] = ("linkedin", "linkedin-post", "x", "facebook", "email")

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
LINKEDIN_POST = "https://www.linkedin.com/sharing/share-offsite/"
X_INTENT = "https://twitter.com/intent/tweet"
FACEBOOK_SHARER = "https://www.facebook.com/sharer/sharer.php"
MAX_PHRASE_CHARS = 300  # of a name or issuer inside a sentence; X cuts far shorter anyway
_WRITTEN_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")

Query = list[tuple[str, str | None]]


@dataclass(frozen=True)
class ShareLinks:
    """The shared address, a link per target asked for, and the fields to copy by hand."""

    url: str
    links: dict[Target, str]
    fields: dict[str, str | None]
    status: str | None = None  # so a caller can warn before sharing a revoked badge

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "links": dict(self.links),
            "fields": dict(self.fields),
            "status": self.status,
        }


def share_links(
    badge: BadgeLike | ShareFacts,
    target: Target | None = None,
    *,
    organization_id: str | None = None,
) -> ShareLinks:
    """Every share link of ``badge`` (or the one for ``target``); ``NO_PUBLIC_URL`` when the
    badge has no public address. ``organization_id`` is the issuer's LinkedIn company id."""
    facts = badge if isinstance(badge, ShareFacts) else facts_of(badge)
    url = public_url(facts)
    builders = {
        "linkedin": lambda: linkedin_add_to_profile(facts, url, organization_id=organization_id),
        "linkedin-post": lambda: linkedin_post(url),
        "x": lambda: x_post(facts, url),
        "facebook": lambda: facebook_share(url),
        "email": lambda: email_link(facts, url),
    }
    chosen = TARGETS if target is None else (target,)
    links: dict[Target, str] = {name: builders[name]() for name in chosen}
    return ShareLinks(url, links, copy_fields(facts, url), facts.status)


def calendar_date(value: str | None) -> date | None:
    """The calendar date as written (``2024-01-01T00:30:00+02:00`` → 2024-01-01), or None.

    A date in another ISO form, or in Unix seconds (OB 1.x, no zone of its own), is read in UTC.
    """
    if value is None:
        return None
    match = _WRITTEN_DATE.match(value)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:  # 2024-13-01, year 0
            return None
    try:
        return parse_badge_date(value, field="date").date()
    except (BadgekeeperError, ValueError):  # ValueError: parse_badge_date on > 4300 digits
        return None


def encode_query(pairs: Query) -> str:
    """``key=value&…`` with every value percent-encoded and absent values left out."""
    return "&".join(f"{key}={quote(value, safe='')}" for key, value in pairs if value is not None)


def linkedin_add_to_profile(
    facts: ShareFacts, url: str, *, organization_id: str | None = None
) -> str:
    """LinkedIn's add-to-profile form for a certification, filled in."""
    issued, expires = calendar_date(facts.issued_on), calendar_date(facts.expires)
    organization: Query = (
        [("organizationId", organization_id)]
        if organization_id
        else [("organizationName", facts.issuer_name)]
    )
    pairs: Query = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", facts.name),
        *organization,
        ("issueYear", str(issued.year) if issued else None),
        ("issueMonth", str(issued.month) if issued else None),
        ("expirationYear", str(expires.year) if expires else None),
        ("expirationMonth", str(expires.month) if expires else None),
        ("certUrl", url),
        ("certId", facts.credential_id),
    ]
    return f"{LINKEDIN_ADD}?{encode_query(pairs)}"


def linkedin_post(url: str) -> str:
    return f"{LINKEDIN_POST}?{encode_query([('url', url)])}"


def facebook_share(url: str) -> str:
    return f"{FACEBOOK_SHARER}?{encode_query([('u', url)])}"


def x_post(facts: ShareFacts, url: str) -> str:
    """X's post intent: the announcement cut to fit 280 with the URL and the hashtags."""
    hashtags = hashtags_for(facts.name)
    text = fit_text(announcement(facts), hashtags)
    pairs: Query = [("text", text), ("url", url), ("hashtags", ",".join(hashtags))]
    return f"{X_INTENT}?{encode_query(pairs)}"


def email_link(facts: ShareFacts, url: str) -> str:
    """A ``mailto:`` with no recipient (the earner picks one), a subject and a body."""
    name = _phrase(facts.name)
    subject = f"My “{name}” badge" if name else "My new badge"
    lines = [announcement(facts), "", f"See it, and check that it is genuine: {url}"]
    issued, expires = calendar_date(facts.issued_on), calendar_date(facts.expires)
    if issued:
        lines.append(f"Issued: {issued.isoformat()}")
    if expires:
        lines.append(f"Expires: {expires.isoformat()}")
    # RFC 6068: line breaks in a body are CRLF, percent-encoded like everything else.
    return "mailto:?" + encode_query([("subject", subject), ("body", "\r\n".join(lines))])


def announcement(facts: ShareFacts) -> str:
    """One sentence saying what was earned, from whom."""
    name, issuer = _phrase(facts.name), _phrase(facts.issuer_name)
    if name and issuer:
        return f"I earned the “{name}” badge from {issuer}."
    if name:
        return f"I earned the “{name}” badge."
    if issuer:
        return f"I earned a badge from {issuer}."
    return "I earned a new badge."


def copy_fields(facts: ShareFacts, url: str) -> dict[str, str | None]:
    """What LinkedIn's form asks for, to paste by hand when it does not fill itself in."""
    issued, expires = calendar_date(facts.issued_on), calendar_date(facts.expires)
    return {
        "name": facts.name,
        "organization": facts.issuer_name,
        "issue_date": issued.isoformat() if issued else None,
        "expiration_date": expires.isoformat() if expires else None,
        "credential_id": facts.credential_id,
        "credential_url": url,
    }


def _phrase(value: str | None) -> str | None:
    if not value:
        return None
    flat = " ".join(value.split())  # a line break inside a name would break the sentence
    if len(flat) > MAX_PHRASE_CHARS:
        return flat[: MAX_PHRASE_CHARS - 1] + "…"
    return flat
