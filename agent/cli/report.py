"""The human verify report: the badge, the issuer, each check, and what to do about a failure."""

from __future__ import annotations

from agent.verify.result import Verdict

_MARKS = {
    "valid": "✓ VALID",
    "invalid": "✗ INVALID",
    "revoked": "✗ REVOKED",
    "expired": "! EXPIRED",
    "error": "? ERROR",
}


def _day(value: str | None) -> str:
    return value[:10] if value else "—"


def render_verdict(verdict: Verdict) -> str:
    """A readable, multi-line report of one verdict."""
    badge = verdict.badge
    spec = {"ob2": "Open Badges 2.0", "ob3": "Open Badges 3.0"}.get(verdict.spec or "", "unknown")
    kind = f"{spec}, {verdict.format}" if verdict.format else spec
    lines = [f"{_MARKS[verdict.status]}  {verdict.source}"]
    if badge.name or badge.issuer_name:
        lines.append(f"  Badge      {badge.name or '(no name)'}  ({kind})")
        issuer = badge.issuer_name or "(no name)"
        lines.append(
            f"  Issuer     {issuer}" + (f"  <{badge.issuer_id}>" if badge.issuer_id else "")
        )
        lines.append(f"  Issued     {_day(badge.issued_on)}    Expires  {_day(badge.expires)}")
    recipient = verdict.recipient
    if recipient.checked:
        who = recipient.matched_address or recipient.identity or "the recipient"
        state = f"matches {who}" if recipient.matched else "does not match your addresses"
        lines.append(f"  Recipient  {state}")
    else:
        lines.append("  Recipient  not checked")
    for index, check in enumerate(verdict.checks):
        label = "Checks" if index == 0 else ""
        mark = "✓" if check.passed else "✗"
        lines.append(f"  {label:<10} {mark} {check.name}: {check.detail}")
    for finding in verdict.errors:
        lines.append(f"  Problem    [{finding.code.name}] {finding.message}")
    for finding in verdict.warnings:
        lines.append(f"  Note       [{finding.code.name}] {finding.message}")
    return "\n".join(lines) + "\n"
