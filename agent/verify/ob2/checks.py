"""Recording steps on the verdict, and the checks every OB 2.0 badge gets, hosted or signed.

Rules:
- A step that cannot continue raises a BadgekeeperError; :func:`checking` records it under the
  step's check name and raises :class:`Halt`, which ``verify_ob2`` swallows: the finding is on the
  verdict already, and the caller never sees it twice.
- Findings that leave the badge readable (expired, future-dated, wrong recipient, missing
  properties) are recorded with ``verdict.fail`` and checking goes on, so the user sees all of
  them at once.
- ``issuedOn`` more than five minutes ahead of the clock is NOT_YET_VALID (clocks drift);
  ``expires`` at or before now is EXPIRED.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from agent.errors import BadgekeeperError, ErrorCode
from agent.verify.context import VerifyContext
from agent.verify.dates import iso, parse_badge_date
from agent.verify.ob2.identity import check_recipient
from agent.verify.ob2.legacy import V2, ReadAssertion
from agent.verify.ob2.nodes import Node
from agent.verify.ob2.related import Linked
from agent.verify.ob2.structure import assertion_problems, badge_class_problems, issuer_problems
from agent.verify.ob2.summary import summarise_assertion, summarise_badge_class, summarise_issuer
from agent.verify.result import Check, Finding, Verdict

CLOCK_SKEW = timedelta(minutes=5)


class Halt(Exception):
    """Verification stops here; the reason is already recorded on the verdict."""


@contextmanager
def checking(verdict: Verdict, check: str) -> Iterator[None]:
    """Run a step; a BadgekeeperError becomes a failed ``check`` on the verdict and a Halt."""
    try:
        yield
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check=check)
        raise Halt from exc


def accept_documents(
    verdict: Verdict, assertion: ReadAssertion, badge_class: Linked, issuer: Linked
) -> None:
    """Keep the documents the verdict relies on, summarise them and check their structure."""
    verdict.documents.update(
        {"assertion": assertion.node, "badge_class": badge_class.node, "issuer": issuer.node}
    )
    summarise_assertion(verdict, assertion.node, uid=assertion.uid)
    summarise_badge_class(verdict, badge_class.node)
    summarise_issuer(verdict, issuer.node)
    versions = {
        role: version
        for role, version in (
            ("assertion", assertion.version),
            ("badge class", badge_class.version),
            ("issuer profile", issuer.version),
        )
        if version != V2
    }
    if versions:
        if len(versions) == 3 and len(set(versions.values())) == 1:
            what = f"an Open Badges {assertion.version} badge"
        else:
            parts = ", ".join(f"its {role} is {version}" for role, version in versions.items())
            what = f"an older Open Badges badge ({parts})"
        verdict.warn(
            ErrorCode.UPGRADED_LEGACY,
            f"This is {what}, read as 2.0. It is still valid if every check passes; newer "
            "issuers use Open Badges 2.0 or 3.0.",
        )
    check_structure(verdict, assertion, badge_class, issuer)


def check_claims(verdict: Verdict, ctx: VerifyContext, assertion: Node) -> None:
    """The dates and the recipient: what the assertion claims about time and person."""
    check_dates(verdict, assertion, ctx.clock())
    check_recipient(assertion, ctx.emails, verdict)


def check_structure(
    verdict: Verdict, assertion: ReadAssertion, badge_class: Linked, issuer: Linked
) -> None:
    """Record every missing or mistyped required property of the three documents."""
    problems: list[Finding] = [
        *assertion_problems(assertion.node, version=assertion.version),
        *badge_class_problems(badge_class.node, version=badge_class.version),
        *issuer_problems(issuer.node, version=issuer.version),
    ]
    for problem in problems:
        verdict.fail(problem.code, problem.message)
    if problems:
        verdict.checks.append(
            Check(
                "structure",
                False,
                f"{len(problems)} required propert"
                f"{'y is' if len(problems) == 1 else 'ies are'} missing or invalid.",
            )
        )
    else:
        verdict.passed(
            "structure", "The assertion, badge class and issuer have every required property."
        )


def check_dates(verdict: Verdict, assertion: Node, now: datetime) -> None:
    """issuedOn not in the future, expires not in the past."""
    problems_before = len(verdict.errors)
    issued = _read_date(verdict, assertion, "issuedOn")
    expires = _read_date(verdict, assertion, "expires")
    if issued is not None and issued > now + CLOCK_SKEW:
        verdict.fail(
            ErrorCode.NOT_YET_VALID,
            f"This badge says it was issued on {iso(issued)}, which is in the future. Check your "
            "computer's clock; otherwise ask the issuer.",
            check="dates",
        )
    if expires is not None and expires <= now:
        verdict.fail(
            ErrorCode.EXPIRED,
            f"This badge expired on {iso(expires)}. Ask the issuer whether it can be renewed.",
            check="dates",
        )
    if len(verdict.errors) == problems_before:
        until = f"valid until {iso(expires)}" if expires else "no expiry"
        verdict.passed("dates", f"Issued {iso(issued) or 'on an unknown date'}; {until}.")


def _read_date(verdict: Verdict, node: Node, field: str) -> datetime | None:
    value = node.get(field)
    if value is None or value == "":
        return None  # absence is the structure check's to report
    try:
        return parse_badge_date(value, field=field)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, f"The assertion's {exc.message}", check="dates")
        return None
