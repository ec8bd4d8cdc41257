"""Signed verification: a compact JWS whose payload is the assertion.

Rules:
- The token is read with joserfc. Bad base64, a header or payload that is not a JSON object, an
  unencoded (``b64: false``) payload or an unknown ``crit`` header is TOKEN_MALFORMED.
- ``alg: none`` and every HMAC algorithm are ALG_REFUSED before any key is looked at, so a public
  key is never used as an HMAC secret. So is any algorithm outside RS/PS/ES 256-512 and EdDSA.
- The key decides: a key is tried only for the algorithms its type allows (see ``keys``); a
  token whose algorithm no trusted key can make is SIGNATURE_INVALID.
- Keys, the badge class and the issuer are read as in hosted verification (by URL), but a signed
  badge is not bound to an origin: the key, listed by the issuer, is what vouches for it.
- The issuer's ``revocationList`` is then consulted (see ``revocation``).
"""

from __future__ import annotations

import binascii
import warnings
from dataclasses import dataclass

from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jws import CompactSignature, JWSRegistry
from joserfc.util import urlsafe_b64decode

from agent.errors import BadgekeeperError, ErrorCode, VerificationError
from agent.fetch.model import MAX_JSON_BYTES
from agent.verify.context import VerifyContext
from agent.verify.documents import parse_json_object
from agent.verify.ob2.checks import accept_documents, check_claims, checking
from agent.verify.ob2.keys import PublicKey, candidate_keys
from agent.verify.ob2.legacy import ReadAssertion, read_assertion
from agent.verify.ob2.loader import DocumentLoader
from agent.verify.ob2.nodes import Node, first_present, reference_id, shown
from agent.verify.ob2.related import Linked, load_badge_class_and_issuer
from agent.verify.ob2.revocation import check_revocation_list
from agent.verify.ob2.summary import summarise_assertion
from agent.verify.result import Verdict

ACCEPTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
    | {"EdDSA", "Ed25519"}
)


class _BadgeTokenRegistry(JWSRegistry):
    """joserfc's registry with room for real badges (an embedded image makes a large payload)."""

    max_header_length = 8_192
    max_payload_length = MAX_JSON_BYTES * 4 // 3 + 4
    max_signature_length = 4_096


_READING = _BadgeTokenRegistry(strict_check_header=False)


@dataclass(frozen=True)
class SignedToken:
    """A parsed compact JWS: joserfc's object, its algorithm and the assertion it carries."""

    compact: CompactSignature
    alg: str
    payload: Node


def _malformed(reason: str) -> VerificationError:
    return VerificationError(
        ErrorCode.TOKEN_MALFORMED,
        f"The signed badge token is malformed: {reason}. Ask the issuer to re-issue the badge.",
    )


def _refuse_algorithm(alg: str) -> None:
    if alg.strip().lower() == "none":
        raise VerificationError(
            ErrorCode.ALG_REFUSED,
            "The badge's token says 'alg: none': it is not signed at all, so nothing proves who "
            "issued it. Do not trust it.",
        )
    if alg.upper().startswith("HS"):
        raise VerificationError(
            ErrorCode.ALG_REFUSED,
            f"The badge is signed with {shown(alg, 20)}, a shared-secret algorithm: whoever can "
            "check it could have forged it. Do not trust it.",
        )
    if alg not in ACCEPTED_ALGORITHMS:
        raise VerificationError(
            ErrorCode.ALG_REFUSED,
            f"The badge is signed with {shown(alg, 20)!r}, which Badgekeeper does not accept "
            "(RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA are). Ask the issuer to "
            "re-sign it.",
        )


def parse_signed_token(token: str) -> SignedToken:
    """Read a compact JWS; TOKEN_MALFORMED or ALG_REFUSED when it cannot be what it claims."""
    try:
        compact = jws.extract_compact(token.strip().encode("utf-8"), registry=_READING)
        header = compact.headers()
    except (JoseError, ValueError, TypeError, RecursionError, binascii.Error) as exc:
        raise _malformed("its header or payload cannot be decoded") from exc
    if not isinstance(header, dict):
        raise _malformed("its header is not a JSON object")
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise _malformed("its header names no algorithm")
    _refuse_algorithm(alg)
    if header.get("b64") is False:
        raise _malformed("its payload is not base64url-encoded (b64: false)")
    try:
        _READING.check_header(header)
        signature = urlsafe_b64decode(compact.segments["signature"])
    except (JoseError, ValueError, TypeError, binascii.Error) as exc:
        raise _malformed("its header or signature is invalid") from exc
    if not signature:
        raise _malformed("it carries no signature")
    try:
        payload = parse_json_object(compact.payload.decode("utf-8"), what="signed assertion")
    except UnicodeDecodeError as exc:
        raise _malformed("its payload is not UTF-8 text") from exc
    except BadgekeeperError as exc:
        if exc.code is ErrorCode.PAYLOAD_TOO_LARGE:
            raise
        raise _malformed("its payload is not a JSON object") from exc
    return SignedToken(compact, alg, payload)


def _signature_matches(token: SignedToken, key: PublicKey) -> bool:
    registry = _BadgeTokenRegistry(algorithms=[token.alg], strict_check_header=False)
    try:
        with warnings.catch_warnings():
            # joserfc warns that "EdDSA" is superseded by "Ed25519"; both name the same check.
            warnings.simplefilter("ignore", SecurityWarning)
            return jws.validate_compact(token.compact, key.jose_key, registry=registry)
    except (JoseError, ValueError, TypeError):
        return False


async def verify_signature(
    token: SignedToken, assertion: ReadAssertion, issuer: Linked, loader: DocumentLoader
) -> PublicKey:
    """The trusted key that made the signature, or the error that says why there is none."""
    outcomes = await candidate_keys(assertion, issuer, loader)
    keys = [outcome.key for outcome in outcomes if outcome.key is not None]
    fitting = [key for key in keys if token.alg in key.algorithms]
    for key in fitting:
        if _signature_matches(token, key):
            return key
    if fitting:
        raise VerificationError(
            ErrorCode.SIGNATURE_INVALID,
            "The badge's signature does not match its content with the issuer's key: it was "
            "altered after signing, or signed by someone else. Do not trust it.",
        )
    if keys:
        kinds = ", ".join(sorted({key.description for key in keys}))
        raise VerificationError(
            ErrorCode.SIGNATURE_INVALID,
            f"The badge is signed with {token.alg}, which the issuer's key ({kinds}) cannot "
            "produce. Do not trust it.",
        )
    errors = [outcome.error for outcome in outcomes if outcome.error is not None]
    owner_errors = [error for error in errors if error.code is ErrorCode.KEY_OWNER_MISMATCH]
    raise (owner_errors or errors)[0]


async def verify_signed(token_text: str, ctx: VerifyContext, verdict: Verdict) -> None:
    """Verify a signed (JWS) OB 2.0 assertion, recording every finding on ``verdict``."""
    verdict.format = "signed"
    with checking(verdict, "signature"):
        token = parse_signed_token(token_text)
    assertion = read_assertion(token.payload)
    summarise_assertion(verdict, assertion.node, uid=assertion.uid)
    verification = first_present(assertion.node, "verification", "verify")
    async with DocumentLoader(ctx.fetcher) as loader:
        if isinstance(verification, dict):
            loader.prefetch(reference_id(verification.get("creator")))  # alongside the badge class
        with checking(verdict, "fetch"):
            badge_class, issuer = await load_badge_class_and_issuer(assertion, loader, signed=True)
        verdict.passed("fetch", "Read the badge class and the issuer profile from their ids.")
        accept_documents(verdict, assertion, badge_class, issuer)
        with checking(verdict, "signature"):
            key = await verify_signature(token, assertion, issuer, loader)
        verdict.passed(
            "signature",
            f"Signed with {token.alg} by the issuer's {key.description} key"
            f"{' ' + key.id if key.id else ''}.",
        )
        await check_revocation_list(verdict, assertion, issuer.node, loader)
    check_claims(verdict, ctx, assertion.node)
