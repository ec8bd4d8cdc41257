"""The OB 3.0 credential itself: its shape, its dates, its recipient, and what the popup shows.

Rules:
- Shape: ``@context`` starts with the VC 1.1 or 2.0 context; ``type`` includes
  VerifiableCredential and OpenBadgeCredential (or AchievementCredential), else
  UNKNOWN_BADGE_TYPE; ``issuer`` is an id or an object with one; ``credentialSubject`` has an
  ``id`` and/or ``identifier`` and an ``achievement``. Ids the proof must cover are absolute
  URIs (JSON-LD silently drops relative ones, which would leave them outside the signature).
- Dates: validFrom (issuanceDate in VC 1.1) more than 5 minutes ahead is NOT_YET_VALID;
  validUntil (expirationDate) in the past is EXPIRED.
- Recipient: e-mail identities (``identifier`` entries of identityType emailAddress, hashed or
  not, and a ``mailto:`` subject id) are compared with the user's addresses; without addresses
  the recipient is not checked (a warning); a badge naming no e-mail is not checked (no warning).
- Every value read here may be any JSON; nothing but strings is taken as text.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from agent.errors import BadgekeeperError, ErrorCode, VerificationError
from agent.verify.dates import iso, parse_badge_date
from agent.verify.recipient import match_identity
from agent.verify.result import BadgeSummary, Verdict

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
BADGE_TYPES = ("OpenBadgeCredential", "AchievementCredential")
CLOCK_SKEW = timedelta(minutes=5)
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_EMAIL_TYPES = ("emailAddress", "email")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _missing(message: str) -> VerificationError:
    return VerificationError(ErrorCode.MISSING_PROPERTY, message)


def issuer_id_of(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    return _text(issuer.get("id") if isinstance(issuer, dict) else issuer)


def subject_of(credential: dict[str, Any]) -> dict[str, Any] | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and subject:
        subject = subject[0]
    return subject if isinstance(subject, dict) else None


def achievement_of(credential: dict[str, Any]) -> dict[str, Any] | None:
    subject = subject_of(credential)
    achievement = subject.get("achievement") if subject else None
    return achievement if isinstance(achievement, dict) else None


def _require_absolute(value: object, what: str) -> None:
    if not isinstance(value, str) or not _ABSOLUTE_URI.match(value):
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            f"The {what} ({str(value)[:100]!r}) is not an absolute URI, as the specification "
            "requires. Ask the issuer to re-issue the badge.",
        )


def check_structure(credential: dict[str, Any]) -> str:
    """Check the credential's shape (see the module rules); returns the issuer id."""
    contexts = _as_list(credential.get("@context")) or [None]
    if contexts[0] is None:
        raise _missing("The credential has no @context. Ask the issuer to re-issue the badge.")
    if contexts[0] not in (VC1_CONTEXT, VC2_CONTEXT):
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            f"The credential's first @context is {str(contexts[0])[:100]!r}, not the Verifiable "
            "Credentials context. Ask the issuer to re-issue the badge.",
        )
    types = _as_list(credential.get("type"))
    if "VerifiableCredential" not in types or not any(t in types for t in BADGE_TYPES):
        raise VerificationError(
            ErrorCode.UNKNOWN_BADGE_TYPE,
            "This credential is not an OpenBadgeCredential (its type must include "
            "VerifiableCredential and OpenBadgeCredential or AchievementCredential).",
        )
    issuer_id = issuer_id_of(credential)
    if issuer_id is None:
        raise _missing("The credential does not name its issuer (an id). It cannot be verified.")
    _require_absolute(issuer_id, "issuer id")
    if "id" in credential:
        _require_absolute(credential["id"], "credential id")
    subject = subject_of(credential)
    if subject is None:
        raise _missing("The credential has no credentialSubject, so it is about no one.")
    if "id" not in subject and "identifier" not in subject:
        raise _missing(
            "The credential's subject has neither an id nor an identifier, so its recipient "
            "cannot be known. Ask the issuer to re-issue the badge."
        )
    if "id" in subject:
        _require_absolute(subject["id"], "credential subject id")
    achievement = achievement_of(credential)
    if achievement is None:
        raise _missing("The credential names no achievement. Ask the issuer to re-issue it.")
    if "id" in achievement:
        _require_absolute(achievement["id"], "achievement id")
    return issuer_id


def _image_of(node: dict[str, Any] | None) -> str | None:
    if node is None:
        return None
    image = node.get("image")
    return _text(image.get("id") if isinstance(image, dict) else image)


def summarize(credential: dict[str, Any], summary: BadgeSummary) -> None:
    """Fill the badge summary from whatever the credential has (never raises)."""
    achievement = achievement_of(credential) or {}
    issuer = credential.get("issuer")
    criteria = achievement.get("criteria")
    summary.id = _text(credential.get("id"))
    summary.name = _text(achievement.get("name")) or _text(credential.get("name"))
    summary.description = _text(achievement.get("description")) or _text(
        credential.get("description")
    )
    if isinstance(criteria, dict):
        summary.criteria = _text(criteria.get("narrative")) or _text(criteria.get("id"))
    summary.image = _image_of(achievement) or _image_of(credential)
    summary.badge_class_id = _text(achievement.get("id"))
    summary.issuer_id = issuer_id_of(credential)
    if isinstance(issuer, dict):
        summary.issuer_name = _text(issuer.get("name"))
        summary.issuer_url = _text(issuer.get("url"))
    summary.issued_on = _date_text(credential, ("validFrom", "issuanceDate"))
    summary.expires = _date_text(credential, ("validUntil", "expirationDate"))


def _first_date(credential: dict[str, Any], names: tuple[str, ...]) -> tuple[str, object] | None:
    for name in names:
        if credential.get(name) is not None:
            return name, credential[name]
    return None


def _date_text(credential: dict[str, Any], names: tuple[str, ...]) -> str | None:
    found = _first_date(credential, names)
    if found is None:
        return None
    try:
        return iso(parse_badge_date(found[1], field=found[0]))
    except BadgekeeperError:
        return None


def check_dates(credential: dict[str, Any], now: datetime, verdict: Verdict) -> None:
    """NOT_YET_VALID / EXPIRED / a malformed date, recorded as the ``dates`` check."""
    try:
        start = _first_date(credential, ("validFrom", "issuanceDate"))
        if start is None:
            raise _missing(
                "The credential has no validFrom (or issuanceDate). Ask the issuer to re-issue it."
            )
        valid_from = parse_badge_date(start[1], field=start[0])
        end = _first_date(credential, ("validUntil", "expirationDate"))
        valid_until = parse_badge_date(end[1], field=end[0]) if end else None
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check="dates")
        return
    if valid_from > now + CLOCK_SKEW:
        verdict.fail(
            ErrorCode.NOT_YET_VALID,
            f"This badge only becomes valid on {iso(valid_from)}. Check your computer's clock; "
            "otherwise ask the issuer.",
            check="dates",
        )
    elif valid_until is not None and valid_until < now:
        verdict.fail(
            ErrorCode.EXPIRED,
            f"This badge expired on {iso(valid_until)}. Ask the issuer whether it can be renewed.",
            check="dates",
        )
    else:
        until = f" until {iso(valid_until)}" if valid_until else ""
        verdict.passed("dates", f"valid from {iso(valid_from)}{until}")


def _email_identities(subject: dict[str, Any]) -> list[tuple[str, bool, str | None]]:
    """(identity or hash, hashed, salt) for every e-mail the subject names."""
    found: list[tuple[str, bool, str | None]] = []
    subject_id = _text(subject.get("id"))
    if subject_id and subject_id.lower().startswith("mailto:"):
        found.append((subject_id[len("mailto:") :], False, None))
    for identifier in _as_list(subject.get("identifier")):
        if not isinstance(identifier, dict) or identifier.get("identityType") not in _EMAIL_TYPES:
            continue
        identity = _text(identifier.get("identityHash"))
        if identity is None:
            continue
        hashed = identifier.get("hashed") in (True, "true")
        found.append((identity, hashed, _text(identifier.get("salt"))))
    return found


def _other_identity_type(subject: dict[str, Any]) -> str | None:
    for identifier in _as_list(subject.get("identifier")):
        if isinstance(identifier, dict) and isinstance(identifier.get("identityType"), str):
            return str(identifier["identityType"])[:40]
    subject_id = _text(subject.get("id"))
    if subject_id:
        return "did" if subject_id.startswith("did:") else "url"
    return None


def check_recipient(credential: dict[str, Any], emails: list[str], verdict: Verdict) -> None:
    """Compare the subject's e-mail identities with the user's addresses (``recipient`` check)."""
    result = verdict.recipient
    subject = subject_of(credential)
    identities = _email_identities(subject) if subject else []
    if not identities:
        result.checked = False
        result.type = _other_identity_type(subject) if subject else None
        verdict.passed("recipient", "the badge names no e-mail address; recipient not compared")
        return
    result.type = "email"
    result.hashed = all(hashed for _, hashed, _ in identities)
    plain = [identity for identity, hashed, _ in identities if not hashed]
    result.identity = plain[0] if plain else None
    if not emails:
        result.checked = False
        verdict.warn(ErrorCode.RECIPIENT_NOT_CHECKED)
        return
    result.checked = True
    try:
        for identity, hashed, salt in identities:
            address = match_identity(identity, hashed=hashed, salt=salt, addresses=emails)
            if address is not None:
                result.matched = True
                result.matched_address = address
                verdict.passed("recipient", f"issued to {address}")
                return
    except BadgekeeperError as exc:
        result.matched = None
        verdict.fail(exc.code, exc.message, check="recipient")
        return
    result.matched = False
    named = f"to {result.identity}" if result.identity else "to a hashed e-mail address"
    verdict.fail(
        ErrorCode.RECIPIENT_MISMATCH,
        f"This badge was issued {named}, which is none of your addresses "
        f"({', '.join(emails)[:200]}). If it is yours, add that address under Settings → My "
        "addresses; otherwise ask the issuer to re-issue it.",
        check="recipient",
    )
