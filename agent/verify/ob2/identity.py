"""Is this badge the user's? The assertion's recipient against the user's e-mail addresses.

Rules:
- The IdentityObject's ``identity`` is plaintext or ``alg$hex`` (``sha256``/``md5``, either case);
  ``salt`` is appended before hashing. When ``hashed`` is absent it is inferred from the form.
- Only identities of type ``email`` are compared; a url or telephone identity is reported as not
  checked, with a warning saying why.
- No addresses configured: not checked, warning RECIPIENT_NOT_CHECKED.
- A hash algorithm other than sha256/md5 is RECIPIENT_HASH_UNSUPPORTED whether or not there are
  addresses to compare: such a badge cannot be matched by anyone.
- A mismatch names the plaintext identity, so the user knows which address to add; a hashed one
  can only be said to be someone else's address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.errors import ErrorCode, VerificationError
from agent.verify.ob2.nodes import Node, local_name, shown
from agent.verify.recipient import match_identity
from agent.verify.result import Check, Verdict

_HASH_FORM = re.compile(r"^[A-Za-z0-9_-]{1,20}\$[0-9A-Fa-f]+$")
_ALGORITHMS = ("sha256", "md5")


def check_recipient(assertion: Node, emails: Sequence[str], verdict: Verdict) -> None:
    """Compare the recipient with the user's addresses and record the outcome on the verdict."""
    recipient = assertion.get("recipient")
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        verdict.checks.append(Check("recipient", False, "The badge names no usable recipient."))
        return
    identity = recipient["identity"].strip()
    declared = recipient.get("hashed")
    hashed = declared if isinstance(declared, bool) else bool(_HASH_FORM.match(identity))
    raw_type = recipient.get("type")
    identity_type = local_name(raw_type).lower() if isinstance(raw_type, str) else "email"
    salt = recipient.get("salt") if isinstance(recipient.get("salt"), str) else None

    result = verdict.recipient
    result.type = identity_type
    result.hashed = hashed
    result.identity = None if hashed else identity

    if hashed:
        algorithm, separator, _ = identity.partition("$")
        if not separator:
            verdict.fail(
                ErrorCode.INVALID_PROPERTY,
                "The recipient is marked as hashed, but its identity is not of the form "
                "'sha256$…'. Ask the issuer to re-issue the badge.",
                check="recipient",
            )
            return
        if algorithm.strip().lower() not in _ALGORITHMS:
            verdict.fail(
                ErrorCode.RECIPIENT_HASH_UNSUPPORTED,
                f"The recipient is hashed with '{shown(algorithm, 20)}', which the Open Badges "
                "specification does not allow (only sha256 and md5), so nobody can be matched "
                "to it. Ask the issuer to re-issue the badge.",
                check="recipient",
            )
            return

    if identity_type != "email":
        about = (
            f"a hashed {identity_type} identity"
            if hashed
            else f"the {identity_type} {shown(identity)}"
        )
        message = (
            f"This badge was issued to {about}, not an e-mail address; Badgekeeper compares only "
            "e-mail addresses, so the recipient was not checked."
        )
        verdict.warn(ErrorCode.RECIPIENT_NOT_CHECKED, message)
        verdict.checks.append(Check("recipient", False, message))
        return
    if not emails:
        verdict.warn(ErrorCode.RECIPIENT_NOT_CHECKED)
        verdict.checks.append(
            Check("recipient", False, "Not checked: no e-mail addresses are configured.")
        )
        return

    try:
        address = match_identity(identity, hashed=hashed, salt=salt, addresses=emails)
    except VerificationError as exc:
        verdict.fail(exc.code, exc.message, check="recipient")
        return
    result.checked = True
    result.matched = address is not None
    result.matched_address = address
    if address is not None:
        verdict.passed("recipient", f"Issued to {address}.")
    elif hashed:
        verdict.fail(
            ErrorCode.RECIPIENT_MISMATCH,
            "This badge was issued to a different e-mail address than yours (the issuer hashed "
            "it, so it cannot be shown). If it is one of your addresses, add it under Settings → "
            "My addresses; otherwise ask the issuer to re-issue the badge to the address your "
            "backpack uses.",
            check="recipient",
        )
    else:
        verdict.fail(
            ErrorCode.RECIPIENT_MISMATCH,
            f"This badge was issued to {shown(identity)}; add that address under Settings → My "
            "addresses, or ask the issuer to re-issue it to the address your backpack uses.",
            check="recipient",
        )
