"""Verification: every input gets a verdict, and nothing raises out of here.

Entry points (plain async functions; the fetcher and the clock come in through the context):

- :func:`verify_unbaked` — a payload already found by the bakery;
- :func:`verify_source_bytes` — the bytes of a file: a baked PNG/SVG, JSON, or a JWS/JWT;
- :func:`verify_url` — the URL of a hosted assertion.

Dispatch by payload kind: assertion JSON, JWS and URLs go to ``ob2``; credential JSON and VC-JWT
go to ``ob3``.
"""

from __future__ import annotations

import logging

from agent.bakery import read_source
from agent.bakery.model import PayloadKind, Unbaked
from agent.errors import BadgekeeperError, ErrorCode
from agent.verify.context import Clock, VerifyContext, utc_now
from agent.verify.ob2 import verify_ob2
from agent.verify.result import Verdict

__all__ = [
    "Clock",
    "Verdict",
    "VerifyContext",
    "utc_now",
    "verify_source_bytes",
    "verify_unbaked",
    "verify_url",
]

log = logging.getLogger(__name__)


async def verify_unbaked(unbaked: Unbaked, ctx: VerifyContext, *, source: str) -> Verdict:
    """Verify a payload the bakery found."""
    verdict = Verdict(source=source, checked_at=ctx.clock())
    verdict.payload_kind = unbaked.kind.value
    try:
        if unbaked.kind in (PayloadKind.CREDENTIAL_JSON, PayloadKind.VC_JWT):
            verdict.spec = "ob3"
            from agent.verify.ob3 import verify_ob3  # first use only: keeps OB 2.0 start-up lean

            await verify_ob3(unbaked, ctx, verdict)
        else:
            verdict.spec = "ob2"
            await verify_ob2(unbaked, ctx, verdict)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message)
    except Exception:  # a bug must still end in a verdict, never a traceback
        log.exception("internal error while verifying %s", source)
        verdict.fail(ErrorCode.INTERNAL_ERROR)
    return verdict


async def verify_source_bytes(data: bytes, ctx: VerifyContext, *, source: str) -> Verdict:
    """Verify the bytes of a file: a baked image, an assertion/credential JSON, or a token."""
    try:
        unbaked = read_source(data)
    except BadgekeeperError as exc:
        verdict = Verdict(source=source, checked_at=ctx.clock())
        verdict.fail(exc.code, exc.message)
        return verdict
    return await verify_unbaked(unbaked, ctx, source=source)


async def verify_url(url: str, ctx: VerifyContext, *, source: str | None = None) -> Verdict:
    """Verify the hosted assertion at ``url``."""
    unbaked = Unbaked(payload=url, kind=PayloadKind.URL, container="text", keyword="url")
    return await verify_unbaked(unbaked, ctx, source=source or url)
