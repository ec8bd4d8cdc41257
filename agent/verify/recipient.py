"""Matching a badge's recipient against the user's addresses (OB 2.0 identity, OB 3.0 identifier).

Rules:
- ``sha256$`` and ``md5$`` hashes (the only ones the specs allow) of ``identity + salt``; the hex
  digest compared case-insensitively.
- E-mail addresses are compared case-insensitively (hashed: the lower-cased address is hashed,
  and the address as the user wrote it is tried too, because some issuers hash it unchanged).
- Only identities of type email are compared with the user's addresses; other types (url,
  telephone, did) are reported as not checked.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from agent.errors import ErrorCode, VerificationError

_ALGORITHMS = {"sha256": hashlib.sha256, "md5": hashlib.md5}


def _candidates(address: str) -> list[str]:
    stripped = address.strip()
    lowered = stripped.lower()
    return [lowered] if lowered == stripped else [lowered, stripped]


def hashed_identity_matches(identity_hash: str, salt: str | None, address: str) -> bool:
    """True when ``identity_hash`` (``alg$hex``) is the hash of ``address + salt``."""
    algorithm, sep, digest = identity_hash.partition("$")
    if not sep:
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            "The recipient is marked as hashed, but its identity is not of the form 'sha256$…'.",
        )
    hasher = _ALGORITHMS.get(algorithm.strip().lower())
    if hasher is None:
        raise VerificationError(
            ErrorCode.RECIPIENT_HASH_UNSUPPORTED,
            f"The recipient is hashed with '{algorithm[:20]}', which the specification does not "
            "allow (only sha256 and md5).",
        )
    expected = digest.strip().lower()
    for candidate in _candidates(address):
        actual = hasher((candidate + (salt or "")).encode("utf-8")).hexdigest()
        if hmac.compare_digest(actual, expected):
            return True
    return False


def match_identity(
    identity: str, *, hashed: bool, salt: str | None, addresses: Sequence[str]
) -> str | None:
    """Return the user's address that matches the identity, or None."""
    for address in addresses:
        if hashed:
            if hashed_identity_matches(identity, salt, address):
                return address
        elif identity.strip().lower() == address.strip().lower():
            return address
    return None
