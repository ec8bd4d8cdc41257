"""Dates as badges write them: ISO 8601 (with or without zone) and, in OB 1.x, Unix seconds."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from agent.errors import ErrorCode, VerificationError

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_badge_date(value: object, *, field: str) -> datetime:
    """Parse a badge date into an aware UTC datetime; a date without a zone is read as UTC."""
    if isinstance(value, bool):
        raise VerificationError(ErrorCode.INVALID_PROPERTY, f"'{field}' is not a date.")
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError) as exc:
            raise VerificationError(
                ErrorCode.INVALID_PROPERTY, f"'{field}' is not a usable timestamp."
            ) from exc
    if not isinstance(value, str) or not value.strip():
        raise VerificationError(ErrorCode.INVALID_PROPERTY, f"'{field}' is not a date.")
    text = value.strip()
    if text.isdigit():
        if len(text) > 20:  # no real timestamp is this long (and int() refuses > 4300 digits)
            raise VerificationError(ErrorCode.INVALID_PROPERTY, f"'{field}' is not a date.")
        return parse_badge_date(int(text), field=field)
    try:
        if _DATE_ONLY.match(text):
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            f"'{field}' is {text[:40]!r}, which is not an ISO 8601 date. Ask the issuer to "
            "re-issue the badge.",
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    """Normalised ISO 8601 in UTC with a ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
