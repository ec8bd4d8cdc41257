"""Credential status: is this badge revoked or suspended?

Rules:
- ``1EdTechRevocationList`` (1EdTech VCRL 1.0): GET the entry's ``id``; the answer lists
  ``revokedCredentials`` (objects with ``id`` and an optional ``revocationReason``); the badge is
  revoked when its credential id is among them.
- ``BitstringStatusListEntry`` (W3C Bitstring Status List) and ``StatusList2021Entry``: GET
  ``statusListCredential``; its ``credentialSubject.encodedList`` is GZIP'd bits, multibase
  base64url (``u…``) or plain base64; bit ``statusListIndex`` (most significant bit of byte 0
  first; ``statusSize`` bits when given) set means the ``statusPurpose`` applies: revocation →
  REVOKED, suspension → REVOKED "suspended". Other purposes are reported as not checked.
- Decompression stops at 16 MB. A list that cannot be fetched, read, or indexed is
  STATUS_UNAVAILABLE (an address the fetcher refuses keeps its own code).
- The status list credential's own proof is not verified: it is read as the JSON object served at
  the URL the (verified) badge names. A status list served as a VC-JWT is read the same way.
- Unknown status types are reported as not checked, not as failures.
"""

from __future__ import annotations

import zlib
from typing import Any

from agent.errors import BadgekeeperError, ErrorCode, FetchError, VerificationError
from agent.fetch.model import ACCEPT_JSON_LD, MAX_JSON_BYTES, Fetcher
from agent.verify.documents import json_from_response, require_fetchable
from agent.verify.ob3.multibase import base64url_decode, multibase_decode
from agent.verify.ob3.vcjwt import credential_from_payload, parse_compact_jws
from agent.verify.result import Verdict

MAX_BITSTRING_BYTES = 16 * 1024 * 1024
MAX_STATUS_ENTRIES = 8
_BITSTRING_TYPES = ("BitstringStatusListEntry", "StatusList2021Entry")
_KEPT_FETCH_CODES = (
    ErrorCode.ADDRESS_REFUSED,
    ErrorCode.SCHEME_REFUSED,
    ErrorCode.DEADLINE_EXCEEDED,
)


def _unavailable(message: str) -> VerificationError:
    return VerificationError(ErrorCode.STATUS_UNAVAILABLE, message)


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"


def decode_status_list(encoded: object) -> bytes:
    """The bitstring of an ``encodedList``: base64(url), optionally multibase ``u``, then GZIP."""
    if not isinstance(encoded, str) or not encoded:
        raise _unavailable("The status list has no encodedList.")
    try:
        # Plain base64 of GZIP data starts "H4sI"; anything starting 'u' is multibase base64url.
        if encoded.startswith("u"):
            compressed = multibase_decode(encoded, what="status list")
        else:
            compressed = base64url_decode(encoded, what="status list")
    except BadgekeeperError as exc:
        raise _unavailable("The status list's encodedList is not base64.") from exc
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)  # gzip or zlib header
    try:
        bits = inflater.decompress(compressed, MAX_BITSTRING_BYTES + 1)
    except zlib.error as exc:
        raise _unavailable("The status list's encodedList is not GZIP data.") from exc
    if len(bits) > MAX_BITSTRING_BYTES:
        raise _unavailable("The status list is larger than 16 MB; Badgekeeper stopped reading.")
    if not inflater.eof:
        raise _unavailable("The status list's encodedList is truncated.")
    return bits


def status_value(bits: bytes, index: int, size: int = 1) -> int:
    """The ``size``-bit value at position ``index`` (bit 0 = most significant bit of byte 0)."""
    first = index * size
    if index < 0 or first + size > len(bits) * 8:
        raise _unavailable(
            f"The credential's status index {index} lies outside its status list "
            f"({len(bits) * 8} entries)."
        )
    value = 0
    for position in range(first, first + size):
        value = (value << 1) | ((bits[position // 8] >> (7 - position % 8)) & 1)
    return value


def _index(entry: dict[str, Any], member: str, default: int | None = None) -> int:
    value = entry.get(member, default)
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12:
        return value
    raise _unavailable(f"The credential's status has no usable {member} ({_shown(value)[:40]}).")


async def _fetch_status_document(fetcher: Fetcher, url: object, *, what: str) -> dict[str, Any]:
    if not isinstance(url, str):
        raise _unavailable(f"The credential's status does not say where its {what} is.")
    try:
        require_fetchable(url)
        response = await fetcher.get(url, accept=ACCEPT_JSON_LD, max_bytes=MAX_JSON_BYTES)
        body = response.body.lstrip()
        if 200 <= response.status < 300 and body[:2] == b"ey":  # served as a VC-JWT
            return credential_from_payload(parse_compact_jws(body.decode("ascii")).payload)
        return json_from_response(response, what=what)
    except FetchError as exc:
        if exc.code in _KEPT_FETCH_CODES:
            raise
        raise _unavailable(
            f"The {what} at {_shown(url)} could not be retrieved ({exc.message})"
        ) from exc
    except (BadgekeeperError, UnicodeDecodeError) as exc:
        detail = exc.message if isinstance(exc, BadgekeeperError) else "not text"
        raise _unavailable(f"The {what} at {_shown(url)} is not usable ({detail}).") from exc


async def _check_revocation_list(
    entry: dict[str, Any], credential_id: object, fetcher: Fetcher, verdict: Verdict
) -> None:
    document = await _fetch_status_document(fetcher, entry.get("id"), what="revocation list")
    revoked = document.get("revokedCredentials")
    if not isinstance(revoked, list):
        raise _unavailable(
            f"The revocation list at {_shown(entry.get('id'))} has no revokedCredentials list."
        )
    for item in revoked:
        item_id = item.get("id") if isinstance(item, dict) else item
        if credential_id is not None and item_id == credential_id:
            reason = item.get("revocationReason") if isinstance(item, dict) else None
            because = f" Reason given: {_shown(reason)}" if isinstance(reason, str) else ""
            verdict.fail(
                ErrorCode.REVOKED,
                "The issuer has revoked this badge." + because,
                check="status",
            )
            return
    verdict.passed("status", "not on the issuer's 1EdTech revocation list")


def _purposes(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


async def _check_bitstring(entry: dict[str, Any], fetcher: Fetcher, verdict: Verdict) -> None:
    purpose = entry.get("statusPurpose")
    if purpose not in ("revocation", "suspension"):
        verdict.passed("status", f"status purpose {_shown(purpose)[:40]!r} not checked")
        return
    index = _index(entry, "statusListIndex")
    size = _index(entry, "statusSize", 1)
    if not 1 <= size <= 8:
        raise _unavailable(f"The credential's statusSize {size} is not supported (1 to 8 bits).")
    url = entry.get("statusListCredential")
    document = await _fetch_status_document(fetcher, url, what="status list")
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        raise _unavailable(f"The status list at {_shown(url)} has no credentialSubject.")
    listed = _purposes(subject.get("statusPurpose"))
    if listed and purpose not in listed:
        raise _unavailable(
            f"The status list at {_shown(url)} is for {', '.join(listed)[:80]}, but the badge "
            f"looks it up for {purpose}."
        )
    if status_value(decode_status_list(subject.get("encodedList")), index, size) == 0:
        verdict.passed("status", f"not in {purpose} on the issuer's status list")
    elif purpose == "suspension":
        verdict.fail(
            ErrorCode.REVOKED,
            "The issuer has suspended this badge; it is not valid while suspended. Ask the "
            "issuer if you think this is a mistake.",
            check="status",
        )
    else:
        verdict.fail(ErrorCode.REVOKED, "The issuer has revoked this badge.", check="status")


async def check_status(credential: dict[str, Any], fetcher: Fetcher, verdict: Verdict) -> None:
    """Check every ``credentialStatus`` entry, recording the ``status`` check."""
    status = credential.get("credentialStatus")
    if status is None:
        return
    entries = status if isinstance(status, list) else [status]
    for entry in entries[:MAX_STATUS_ENTRIES]:
        kind = entry.get("type") if isinstance(entry, dict) else None
        kinds = kind if isinstance(kind, list) else [kind]
        try:
            if not isinstance(entry, dict):
                raise _unavailable("The credential's credentialStatus is not an object.")
            if "1EdTechRevocationList" in kinds:
                await _check_revocation_list(entry, credential.get("id"), fetcher, verdict)
            elif any(name in kinds for name in _BITSTRING_TYPES):
                await _check_bitstring(entry, fetcher, verdict)
            else:
                verdict.passed("status", f"status type {_shown(kind)[:60]!r} not checked")
        except BadgekeeperError as exc:
            verdict.fail(exc.code, exc.message, check="status")
