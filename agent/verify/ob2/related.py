"""Following an assertion to its badge class and the badge class to its issuer.

Rules:
- A reference is an http(s) IRI or an embedded object. A node with an http(s) id is always read
  from that id, never from a copy embedded elsewhere: the issuer's own server is the only source
  of its verification policy and keys (validator-core refetches embedded nodes the same way).
- An embedded node without an http(s) id (``urn:uuid:…``, or an OB 0.5 badge without ids) is used
  as embedded, except where trust must come from the issuer's server (signed badges).
- A fetched document must name the id it was fetched from (or the URL a redirect ended at). If
  it names another http(s) id, that id is read once and must name itself; otherwise
  ID_MISMATCH.
- When the assertion embeds its badge class and names the issuer by URL, the issuer is fetched
  concurrently with the badge class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.errors import ErrorCode, VerificationError
from agent.verify.ob2.legacy import ReadAssertion, read_linked_node
from agent.verify.ob2.loader import DocumentLoader
from agent.verify.ob2.nodes import Node, is_http_url, reference_id, same_resource, shown


@dataclass(frozen=True)
class Linked:
    """A badge class or issuer as verification will use it."""

    node: Node
    version: str
    url: str | None  # the address it was read from; None when used as embedded


async def fetch_linked(url: str, loader: DocumentLoader, *, what: str, node_type: str) -> Linked:
    """Read the document at ``url`` and make sure it is the document ``url`` names."""
    node, response = await loader.json_node(url, what=what)
    node, version = read_linked_node(node, fetched_from=url, expected_type=node_type)
    declared = node.get("id")
    if declared is None or same_resource(declared, url) or same_resource(declared, response.url):
        return Linked(node, version, url)
    if is_http_url(declared):
        again, again_response = await loader.json_node(str(declared), what=what)
        again, version = read_linked_node(
            again, fetched_from=str(declared), expected_type=node_type
        )
        if same_resource(again.get("id"), declared) or same_resource(
            again.get("id"), again_response.url
        ):
            return Linked(again, version, str(declared))
    raise VerificationError(
        ErrorCode.ID_MISMATCH,
        f"The {what} fetched from {shown(url)} says its id is {shown(declared)}, so it cannot be "
        "trusted as that document. Tell the issuer.",
    )


async def load_linked(
    reference: Any,
    loader: DocumentLoader,
    *,
    prop: str,
    owner: str,
    what: str,
    node_type: str,
    parent_version: str,
    must_fetch: bool = False,
) -> Linked:
    """Resolve the value of ``owner``'s ``prop`` (``badge`` or ``issuer``) to a document."""
    if isinstance(reference, list) and len(reference) == 1:
        reference = reference[0]
    if reference is None or reference == "" or reference == []:
        raise VerificationError(
            ErrorCode.MISSING_PROPERTY,
            f"The {owner} has no '{prop}', so the {what} is unknown. Ask the issuer to re-issue "
            "the badge.",
        )
    if isinstance(reference, str):
        if is_http_url(reference):
            return await fetch_linked(reference.strip(), loader, what=what, node_type=node_type)
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            f"The {owner}'s '{prop}' is {shown(reference)}, which is not an http(s) address "
            f"where the {what} can be read. Ask the issuer to re-issue the badge.",
        )
    if not isinstance(reference, dict):
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            f"The {owner}'s '{prop}' is {shown(reference, 60)}, but must be the address of the "
            f"{what} or the {what} itself. Ask the issuer to re-issue the badge.",
        )
    embedded_id = reference_id(reference)
    if is_http_url(embedded_id):
        return await fetch_linked(str(embedded_id), loader, what=what, node_type=node_type)
    if must_fetch:
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            f"The {what} of a signed badge must have an https id where the issuer publishes it "
            f"(its keys are trusted only from there), but it has {shown(embedded_id)}. Ask the "
            "issuer to re-issue the badge.",
        )
    return Linked(reference, parent_version, None)


def prefetch_related(assertion: Node, loader: DocumentLoader) -> None:
    """Start fetching the badge class (and its issuer, when embedded) an assertion names."""
    badge = assertion.get("badge")
    loader.prefetch(reference_id(badge))
    if isinstance(badge, dict):
        loader.prefetch(reference_id(badge.get("issuer")))


async def load_badge_class_and_issuer(
    assertion: ReadAssertion, loader: DocumentLoader, *, signed: bool
) -> tuple[Linked, Linked]:
    """The assertion's badge class and that badge class's issuer."""
    prefetch_related(assertion.node, loader)
    badge_class = await load_linked(
        assertion.node.get("badge"),
        loader,
        prop="badge",
        owner="assertion",
        what="badge class",
        node_type="BadgeClass",
        parent_version=assertion.version,
    )
    issuer = await load_linked(
        badge_class.node.get("issuer"),
        loader,
        prop="issuer",
        owner="badge class",
        what="issuer profile",
        node_type="Issuer",
        parent_version=badge_class.version if badge_class.url else assertion.version,
        must_fetch=signed,
    )
    return badge_class, issuer
