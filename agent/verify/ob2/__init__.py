"""Open Badges 2.0 verification (and 0.5 / 1.x badges read as 2.0): hosted and signed.

Entry point: :func:`verify_ob2`, called by ``agent.verify`` for assertion JSON, JWS and URL
payloads. It fills the verdict it is handed; a BadgekeeperError it raises is recorded by the
caller, anything else is a bug.

Data flow::

    payload ─┬─ JWS ─────────── signed.py: parse (joserfc) ─┐
             ├─ assertion JSON ─ legacy.py: read as 2.0 ────┤
             └─ URL ─────────────────────────── hosted.py: fetch the issuer's copy
                                                            │
                         related.py: badge class, issuer (loader.py: each URL once, early)
                                                            │
        checks.py: structure · scope.py (hosted) · keys.py + revocation.py (signed)
                   · dates · identity.py (recipient) · summary.py (what the popup shows)

Check names recorded on the verdict: ``fetch``, ``revocation``, ``structure``, ``scope``
(hosted), ``signature`` (signed), ``dates``, ``recipient``.
"""

from __future__ import annotations

from agent.bakery.model import PayloadKind, Unbaked
from agent.errors import ErrorCode, VerificationError
from agent.verify.context import VerifyContext
from agent.verify.documents import parse_json_object, require_fetchable
from agent.verify.ob2.checks import Halt, checking
from agent.verify.ob2.hosted import verify_hosted
from agent.verify.ob2.legacy import ReadAssertion, read_assertion, verification_kind
from agent.verify.ob2.nodes import shown
from agent.verify.ob2.summary import summarise_assertion
from agent.verify.result import Verdict

__all__ = ["verify_ob2"]

_BADGE_KEYS = ("recipient", "badge", "verify", "verification", "uid", "issuedOn", "issued_on")


async def verify_ob2(unbaked: Unbaked, ctx: VerifyContext, verdict: Verdict) -> None:
    """Verify an OB 2.0 (or older) payload, recording every check and finding on ``verdict``."""
    try:
        if unbaked.kind is PayloadKind.JWS:
            # Imported on first use: joserfc and cryptography cost a batch of hosted badges
            # a good share of its start-up.
            from agent.verify.ob2.signed import verify_signed

            await verify_signed(unbaked.payload, ctx, verdict)
        elif unbaked.kind is PayloadKind.URL:
            verdict.format = "hosted"
            with checking(verdict, "fetch"):
                url = require_fetchable(unbaked.payload.strip())
            await verify_hosted(url, None, ctx, verdict)
        elif unbaked.kind is PayloadKind.ASSERTION_JSON:
            await _verify_embedded_assertion(unbaked.payload, ctx, verdict)
        else:
            raise VerificationError(
                ErrorCode.PAYLOAD_MALFORMED,
                f"A {unbaked.kind.value} payload is not an Open Badges 2.0 assertion.",
            )
    except Halt:
        return  # the reason is on the verdict already


async def _verify_embedded_assertion(text: str, ctx: VerifyContext, verdict: Verdict) -> None:
    with checking(verdict, "structure"):
        document = parse_json_object(text, what="embedded assertion")
        if not any(key in document for key in _BADGE_KEYS):
            raise VerificationError(
                ErrorCode.UNKNOWN_BADGE_TYPE,
                "The embedded data is JSON, but not an Open Badges assertion (it has no "
                "recipient, badge or verification). Save the badge image the issuer sent.",
            )
    embedded = read_assertion(document)
    if verification_kind(embedded.node) == "signed":
        verdict.format = "signed"
        summarise_assertion(verdict, embedded.node, uid=embedded.uid)
        verdict.fail(
            ErrorCode.PROOF_MISSING,
            "This badge says it is signed, but the image carries its plain JSON instead of the "
            "signed token, so nothing proves who issued it. Ask the issuer for the signed badge "
            "image.",
            check="signature",
        )
        return
    verdict.format = "hosted"
    with checking(verdict, "fetch"):
        url = _hosted_location(embedded)
    await verify_hosted(url, embedded, ctx, verdict)


def _hosted_location(embedded: ReadAssertion) -> str:
    """Where the issuer hosts an embedded assertion: the only thing the embedded copy is for."""
    if embedded.hosted_url:
        return embedded.hosted_url
    declared = embedded.node.get("id")
    if declared is None:
        raise VerificationError(
            ErrorCode.MISSING_PROPERTY,
            "The badge's assertion has no 'id' (the address where its issuer hosts it), so it "
            "cannot be checked. Ask the issuer to re-issue the badge.",
        )
    raise VerificationError(
        ErrorCode.INVALID_PROPERTY,
        f"The badge's assertion id is {shown(declared)}, but a hosted badge's id must be the "
        "http(s) address where its issuer publishes it. Ask the issuer to re-issue the badge.",
    )
