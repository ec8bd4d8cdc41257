"""Open Badges 3.0 verification: VC-JWT and Data Integrity credentials (OB 3.0 §9).

The order, and what each step records in the verdict (check names in brackets):

1. Read the payload: credential JSON, or a compact JWS whose ``vc`` claim (VC 1.1) or payload
   (VC 2.0) is the credential; for a JWS, ``alg`` is checked first [proof] and the JWT claims are
   reconciled with the credential [claims].
2. Shape and summary [structure] (see :mod:`.credential`); a credential whose shape is wrong
   stops here.
3. The proof: none at all is PROOF_MISSING [proof]; VC-JWT [key, signature] (:mod:`.vcjwt`);
   Data Integrity [proof, key, signature] (:mod:`.data_integrity`).
4. Dates [dates] and recipient [recipient], pure.
5. Status lists [status], fetched only when the proof held: a forged credential must not make
   Badgekeeper fetch the addresses it names.

Nothing here raises for a bad credential: findings go to the verdict. A BadgekeeperError that
escapes (say, an unparseable payload) is recorded by :func:`agent.verify.verify_unbaked`.
"""

from __future__ import annotations

from typing import Any

from agent.bakery.model import PayloadKind, Unbaked
from agent.errors import BadgekeeperError, ErrorCode
from agent.verify.context import VerifyContext
from agent.verify.documents import parse_json_object
from agent.verify.ob3.credential import (
    check_dates,
    check_recipient,
    check_structure,
    summarize,
)
from agent.verify.ob3.data_integrity import verify_data_integrity
from agent.verify.ob3.resolver import KeyResolver
from agent.verify.ob3.status import check_status
from agent.verify.ob3.vcjwt import (
    check_alg,
    credential_from_payload,
    parse_compact_jws,
    reconcile_claims,
    verify_vc_jwt,
)
from agent.verify.result import Verdict

__all__ = ["verify_ob3"]


async def verify_ob3(unbaked: Unbaked, ctx: VerifyContext, verdict: Verdict) -> None:
    """Verify an OB 3.0 credential (JSON with an embedded proof, or a VC-JWT) into ``verdict``."""
    if unbaked.kind is PayloadKind.VC_JWT:
        await _verify_vc_jwt_credential(unbaked.payload, ctx, verdict)
    else:
        await _verify_json_credential(unbaked.payload, ctx, verdict)


def _shape(credential: dict[str, Any], verdict: Verdict) -> str | None:
    """Summary plus the structure check; the issuer id, or None when verification must stop."""
    summarize(credential, verdict.badge)
    try:
        issuer_id = check_structure(credential)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check="structure")
        return None
    verdict.passed("structure", "an OpenBadgeCredential with issuer, subject and achievement")
    return issuer_id


async def _verify_json_credential(payload: str, ctx: VerifyContext, verdict: Verdict) -> None:
    credential = parse_json_object(payload, what="credential")
    verdict.documents["credential"] = credential
    issuer_id = _shape(credential, verdict)
    if issuer_id is None:
        return
    if credential.get("proof") in (None, []):
        verdict.fail(ErrorCode.PROOF_MISSING, check="proof")
        proof_held = False
    else:
        verdict.format = "data-integrity"
        resolver = KeyResolver(ctx, verdict, issuer_id)
        proof_held = await verify_data_integrity(credential, resolver, verdict)
    await _after_proof(credential, ctx, verdict, proof_held=proof_held)


async def _verify_vc_jwt_credential(token: str, ctx: VerifyContext, verdict: Verdict) -> None:
    verdict.format = "vc-jwt"
    try:
        jws = parse_compact_jws(token)
        credential = credential_from_payload(jws.payload)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check="proof")
        return
    verdict.documents["credential"] = credential
    try:
        check_alg(jws.header)
    except BadgekeeperError as exc:
        summarize(credential, verdict.badge)
        verdict.fail(exc.code, exc.message, check="proof")
        return
    verdict.passed("proof", f"VC-JWT signed with {jws.header['alg']}")
    try:
        reconcile_claims(jws.payload, credential)
        claims_agree = True
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check="claims")
        claims_agree = False
    issuer_id = _shape(credential, verdict)
    if issuer_id is None:
        return
    signature_held = await verify_vc_jwt(jws, KeyResolver(ctx, verdict, issuer_id), verdict)
    if claims_agree:
        verdict.passed("claims", "the token's claims agree with the credential")
    await _after_proof(credential, ctx, verdict, proof_held=signature_held and claims_agree)


async def _after_proof(
    credential: dict[str, Any], ctx: VerifyContext, verdict: Verdict, *, proof_held: bool
) -> None:
    check_dates(credential, ctx.clock(), verdict)
    check_recipient(credential, list(ctx.emails), verdict)
    if proof_held:
        await check_status(credential, ctx.fetcher, verdict)
