"""Revocation of signed badges: the issuer's ``revocationList``.

Rules:
- ``revocationList`` names a RevocationList by URL (or embeds one in the issuer profile, which is
  trusted as the profile is). ``revokedAssertions`` holds strings (assertion ids) or objects with
  an ``id`` and/or a legacy ``uid``, maybe a ``revocationReason``; a single entry not wrapped in a
  list counts as a list of one. An entry whose ``revoked`` is false does not revoke.
- OB 1.x lists were a plain object of ``{"<uid or id>": "<reason>"}``; those are read too.
- A list that cannot be fetched or read is STATUS_UNAVAILABLE (no verdict can be reached); the
  other checks still run.
- Ids compare as resources (see ``nodes``); uids compare exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.errors import BadgekeeperError, ErrorCode
from agent.verify.ob2.legacy import ReadAssertion
from agent.verify.ob2.loader import DocumentLoader
from agent.verify.ob2.nodes import (
    Node,
    as_list,
    is_http_url,
    local_types,
    reference_id,
    same_resource,
    shown,
    text_value,
)
from agent.verify.result import Verdict

_NOT_ENTRIES = frozenset({"@context", "id", "@id", "type", "@type", "issuer"})


@dataclass(frozen=True)
class RevokedEntry:
    """One entry of a revocation list, normalised."""

    id: str | None
    uid: str | None
    reason: str | None


def _scalar(value: Any) -> str | None:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    return None


def revoked_entries(document: Node) -> list[RevokedEntry]:
    """The entries of a RevocationList (2.0) or of a 1.x ``{uid: reason}`` object."""
    if "revokedAssertions" not in document and "RevocationList" not in local_types(document):
        return [
            RevokedEntry(key, key, text_value(value))
            for key, value in document.items()
            if key not in _NOT_ENTRIES
        ]
    entries: list[RevokedEntry] = []
    for entry in as_list(document.get("revokedAssertions")):
        if isinstance(entry, str):
            entries.append(RevokedEntry(entry, None, None))
        elif isinstance(entry, dict) and entry.get("revoked") is not False:
            entries.append(
                RevokedEntry(
                    reference_id(entry),
                    _scalar(entry.get("uid")),
                    text_value(entry.get("revocationReason")),
                )
            )
    return entries


def find_revocation(entries: list[RevokedEntry], assertion: ReadAssertion) -> RevokedEntry | None:
    """The entry that revokes this assertion, if any."""
    assertion_id = assertion.node.get("id")
    for entry in entries:
        if entry.id is not None and same_resource(entry.id, assertion_id):
            return entry
        if assertion.uid is not None and assertion.uid in (entry.uid, entry.id):
            return entry
    return None


async def _read_list(reference: Any, loader: DocumentLoader) -> tuple[Node, str]:
    if isinstance(reference, dict) and "revokedAssertions" in reference:
        return reference, "the issuer profile"
    url = reference_id(reference)
    if not is_http_url(url):
        raise BadgekeeperError(
            ErrorCode.STATUS_UNAVAILABLE,
            f"The issuer names its revocation list as {shown(url or reference, 60)}, which is not "
            "an http(s) address, so revocation cannot be checked. Tell the issuer.",
        )
    try:
        document, _ = await loader.json_node(str(url), what="revocation list")
    except BadgekeeperError as exc:
        raise BadgekeeperError(
            ErrorCode.STATUS_UNAVAILABLE,
            f"The issuer's revocation list at {shown(url)} could not be checked: {exc.message}",
        ) from exc
    return document, str(url)


async def check_revocation_list(
    verdict: Verdict, assertion: ReadAssertion, issuer: Node, loader: DocumentLoader
) -> None:
    """Record whether the issuer's revocation list names this assertion."""
    reference = issuer.get("revocationList")
    if isinstance(reference, list) and len(reference) == 1:
        reference = reference[0]
    if reference is None or reference in ("", []):
        verdict.passed("revocation", "The issuer publishes no revocation list.")
        return
    try:
        document, where = await _read_list(reference, loader)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check="revocation")
        return
    entry = find_revocation(revoked_entries(document), assertion)
    if entry is None:
        verdict.passed("revocation", f"Not in the issuer's revocation list ({shown(where)}).")
        return
    verdict.fail(
        ErrorCode.REVOKED,
        f"The issuer has revoked this badge (it is in the revocation list at {shown(where)})."
        f"{reason_sentence(entry.reason)} Ask the issuer if you think this is a mistake.",
        check="revocation",
    )


def reason_sentence(reason: str | None) -> str:
    """`` Reason given: …`` for a revocation message, or nothing."""
    if not reason:
        return ""
    text = shown(reason, 200)
    return f" Reason given: {text}{'' if text.endswith('.') else '.'}"
