"""Hosted verification: the issuer's server is the source of truth for the assertion.

Rules:
- The assertion is fetched from where its issuer hosts it (its id; ``verify.url`` in 1.x; the URL
  itself for a URL payload). A copy embedded in an image only says where to look: nothing in it
  is trusted.
- ``410 Gone``, with or without a body, is REVOKED; so is a body with ``"revoked": true``. The
  ``revocationReason``, when given, is quoted. A revoked assertion need not be complete.
- The fetched assertion must name as its id the URL it was fetched from, or the URL a redirect
  ended at (compared as resources: see ``nodes``); otherwise ID_MISMATCH. The id must then be in
  the issuer's verification scope (``scope``).
- A fetched copy that declares SignedBadge cannot be checked from plain JSON.
- Speed: the badge class (and issuer) named by the embedded copy are fetched while the assertion
  is on its way; the fetched assertion decides which documents are used.
"""

from __future__ import annotations

from agent.errors import BadgekeeperError, ErrorCode, VerificationError
from agent.fetch.model import FetchResponse
from agent.verify.context import VerifyContext
from agent.verify.documents import json_from_response, parse_json_object
from agent.verify.ob2.checks import accept_documents, check_claims, checking
from agent.verify.ob2.legacy import ReadAssertion, read_assertion, verification_kind
from agent.verify.ob2.loader import DocumentLoader
from agent.verify.ob2.nodes import Node, same_resource, shown, text_value
from agent.verify.ob2.related import load_badge_class_and_issuer, prefetch_related
from agent.verify.ob2.revocation import reason_sentence
from agent.verify.ob2.scope import check_hosted_scope
from agent.verify.ob2.summary import summarise_assertion
from agent.verify.result import Verdict

_ASK_MISTAKE = "Ask the issuer if you think this is a mistake."


def _gone(response: FetchResponse) -> VerificationError:
    """A 410 answer: revoked, quoting the reason when the (optional) body gives one."""
    reason = None
    try:
        body = parse_json_object(response.body.decode("utf-8-sig"), what="revoked assertion")
        reason = text_value(body.get("revocationReason"))
    except (BadgekeeperError, UnicodeDecodeError):
        pass  # 410 alone says it all; a body is optional
    return VerificationError(
        ErrorCode.REVOKED,
        f"The issuer has revoked this badge: its server answers 410 Gone for {shown(response.url)}."
        f"{reason_sentence(reason)} {_ASK_MISTAKE}",
    )


def _is_revoked(node: Node) -> bool:
    flag = node.get("revoked")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


def read_hosted_assertion(url: str, response: FetchResponse) -> ReadAssertion:
    """The fetched assertion, once it is known to be the one at ``url`` and not revoked."""
    document = json_from_response(response, what="hosted assertion")
    if _is_revoked(document):
        raise VerificationError(
            ErrorCode.REVOKED,
            "The issuer has revoked this badge."
            f"{reason_sentence(text_value(document.get('revocationReason')))} {_ASK_MISTAKE}",
        )
    assertion = read_assertion(document, fetched_from=url)
    declared = assertion.node.get("id")
    if declared is None:
        raise VerificationError(
            ErrorCode.MISSING_PROPERTY,
            f"The assertion at {shown(url)} has no 'id', so it cannot be tied to the address it "
            "came from. Ask the issuer to re-issue the badge.",
        )
    places = (url, response.url)
    claims = (declared, assertion.hosted_url) if assertion.legacy else (declared,)
    if not any(same_resource(claim, place) for claim in claims for place in places):
        raise VerificationError(
            ErrorCode.ID_MISMATCH,
            f"The assertion fetched from {shown(url)} says its id is {shown(declared)}; a hosted "
            "badge must name the address it is published at, so this copy cannot be trusted. "
            "Tell the issuer.",
        )
    if verification_kind(assertion.node) == "signed":
        raise VerificationError(
            ErrorCode.PROOF_MISSING,
            f"The assertion at {shown(url)} says it is a signed badge, but its issuer serves it as "
            "plain JSON, without the signature. Ask the issuer for the signed badge image.",
        )
    return assertion


async def verify_hosted(
    url: str, embedded: ReadAssertion | None, ctx: VerifyContext, verdict: Verdict
) -> None:
    """Verify the hosted assertion at ``url``, recording every finding on ``verdict``."""
    verdict.format = "hosted"
    if embedded is not None:
        # Shown only while nothing better is known (a revoked badge still needs a name).
        summarise_assertion(verdict, embedded.node, uid=embedded.uid)
    async with DocumentLoader(ctx.fetcher) as loader:
        if embedded is not None:
            prefetch_related(embedded.node, loader)
        with checking(verdict, "fetch"):
            response = await loader.response(url)
        with checking(verdict, "revocation"):
            if response.status == 410:
                raise _gone(response)
        with checking(verdict, "fetch"):
            try:
                assertion = read_hosted_assertion(url, response)
            except VerificationError as exc:
                if exc.code is not ErrorCode.REVOKED:
                    raise
                verdict.fail(exc.code, exc.message, check="revocation")
                return
        verdict.passed("revocation", "The issuer's server still publishes the assertion.")
        with checking(verdict, "fetch"):
            badge_class, issuer = await load_badge_class_and_issuer(assertion, loader, signed=False)
    verdict.passed(
        "fetch", f"Read the assertion from {shown(url)}, then its badge class and issuer."
    )
    accept_documents(verdict, assertion, badge_class, issuer)
    scope = check_hosted_scope(str(assertion.node.get("id")), issuer.node)
    if scope.allowed:
        verdict.passed("scope", scope.detail)
    else:
        verdict.fail(ErrorCode.VERIFICATION_SCOPE, scope.detail, check="scope")
    check_claims(verdict, ctx, assertion.node)
