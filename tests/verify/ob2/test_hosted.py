"""Hosted OB 2.0 verification: the issuer's server is the source of truth."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from agent.errors import ErrorCode
from agent.fetch.model import ACCEPT_JSON_LD, MAX_JSON_BYTES, FetchResponse
from tests.support.fake_fetcher import DictFetcher, Page
from tests.verify.ob2.support import (
    ASSERTION,
    BADGE,
    DROP,
    EMAIL,
    ISSUER,
    ORIGIN,
    assertion_doc,
    badge_doc,
    check_named,
    codes,
    hosted_fetcher,
    issuer_doc,
    message_of,
    run,
)


async def test_valid_hosted_badge_from_embedded_assertion() -> None:
    """A hosted badge whose three documents are in order is valid and fully summarised."""
    fetcher = hosted_fetcher()
    verdict = await run(assertion_doc(), fetcher)
    assert verdict.status == "valid", verdict.to_json()
    assert verdict.spec == "ob2" and verdict.format == "hosted"
    assert verdict.errors == []
    badge = verdict.badge
    assert (badge.id, badge.name, badge.badge_class_id) == (ASSERTION, "Robotics 101", BADGE)
    assert (badge.issuer_id, badge.issuer_name, badge.issuer_url) == (
        ISSUER,
        "Example Robotics Academy",
        ORIGIN,
    )
    assert badge.criteria == "Build a robot that follows a line for 5 metres."
    assert badge.image == f"{ORIGIN}/images/robotics.png"
    assert badge.issued_on == "2026-01-15T10:00:00Z" and badge.expires is None
    assert verdict.recipient.checked and verdict.recipient.matched
    assert set(verdict.documents) == {"assertion", "badge_class", "issuer"}
    passed = {check.name for check in verdict.checks if check.passed}
    assert passed == {"fetch", "revocation", "structure", "scope", "dates", "recipient"}


async def test_hosted_badge_costs_exactly_three_requests() -> None:
    """Assertion, badge class and issuer are each fetched once, and nothing else is."""
    fetcher = hosted_fetcher()
    await run(assertion_doc(), fetcher)
    assert dict(fetcher.requests) == {ASSERTION: 1, BADGE: 1, ISSUER: 1}


async def test_url_payload_is_fetched_and_verified() -> None:
    """A URL payload is the address of a hosted assertion."""
    fetcher = hosted_fetcher()
    verdict = await run(ASSERTION, fetcher)
    assert verdict.status == "valid", verdict.to_json()
    assert dict(fetcher.requests) == {ASSERTION: 1, BADGE: 1, ISSUER: 1}


async def test_only_the_fetched_copy_is_trusted() -> None:
    """An embedded copy that lies (another recipient, no expiry) is overruled by the server's."""
    fetcher = hosted_fetcher(assertion=assertion_doc(expires="2026-02-01T00:00:00Z"))
    embedded = assertion_doc(recipient={"type": "email", "hashed": False, "identity": EMAIL})
    verdict = await run(embedded, fetcher, emails=("someone@else.example",))
    assert set(codes(verdict)) == {"EXPIRED", "RECIPIENT_MISMATCH"}


async def test_gone_without_body_is_revoked() -> None:
    """410 Gone with an empty body is revoked."""
    fetcher = hosted_fetcher(assertion=Page(b"", status=410, content_type="text/plain"))
    verdict = await run(assertion_doc(), fetcher)
    assert verdict.status == "revoked"
    assert codes(verdict) == ["REVOKED"]
    assert check_named(verdict, "revocation") == [False]


async def test_gone_with_body_quotes_the_reason() -> None:
    """410 Gone with a revocation body is revoked and quotes the reason."""
    body = {"id": ASSERTION, "revoked": True, "revocationReason": "Awarded in error"}
    fetcher = hosted_fetcher(assertion=Page(body, status=410))
    verdict = await run(ASSERTION, fetcher)
    assert verdict.status == "revoked"
    assert "Awarded in error" in message_of(verdict, ErrorCode.REVOKED)


async def test_revoked_true_is_revoked_with_reason() -> None:
    """A 200 answer with "revoked": true is revoked, and names the reason."""
    body = {"@context": "https://w3id.org/openbadges/v2", "id": ASSERTION, "revoked": True}
    body["revocationReason"] = "Plagiarised project"
    fetcher = hosted_fetcher(assertion=body)
    verdict = await run(assertion_doc(), fetcher)
    assert verdict.status == "revoked"
    assert "Plagiarised project" in message_of(verdict, ErrorCode.REVOKED)


async def test_not_found_is_an_error() -> None:
    """An assertion the server does not have (404) leaves no verdict: HTTP_NOT_FOUND."""
    fetcher = hosted_fetcher()
    fetcher.documents.pop(ASSERTION)
    verdict = await run(assertion_doc(), fetcher)
    assert verdict.status == "error"
    assert codes(verdict) == ["HTTP_NOT_FOUND"]
    assert check_named(verdict, "fetch") == [False]
    assert verdict.badge.id == ASSERTION  # shown from the embedded copy, for the popup


async def test_html_answer_is_html_not_json() -> None:
    """A web page where the assertion should be is HTML_NOT_JSON."""
    page = Page(b"<!doctype html><title>Badge</title>", content_type="text/html")
    fetcher = hosted_fetcher(assertion=page)
    verdict = await run(ASSERTION, fetcher)
    assert codes(verdict) == ["HTML_NOT_JSON"]


async def test_id_mismatch_is_refused() -> None:
    """A server document claiming another id is ID_MISMATCH, and nothing further is fetched."""
    other = f"{ORIGIN}/assertions/999"
    fetcher = hosted_fetcher(assertion=assertion_doc(id=other))
    verdict = await run(assertion_doc(), fetcher)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["ID_MISMATCH"]
    assert other in message_of(verdict, ErrorCode.ID_MISMATCH)


async def test_trailing_slash_and_fragment_do_not_count_as_mismatch() -> None:
    """Ids that differ only by a trailing slash, a fragment or the host's case still match."""
    declared = "https://ISSUER.example/assertions/123/#main"
    fetcher = hosted_fetcher(assertion=assertion_doc(id=declared))
    verdict = await run(assertion_doc(), fetcher)
    assert "ID_MISMATCH" not in codes(verdict), verdict.to_json()


@dataclass
class RedirectingFetcher:
    """Serves documents like DictFetcher, but answers some URLs from where they redirect to."""

    inner: DictFetcher
    redirects: dict[str, str] = field(default_factory=dict)

    async def get(
        self, url: str, *, accept: str = ACCEPT_JSON_LD, max_bytes: int = MAX_JSON_BYTES
    ) -> FetchResponse:
        target = self.redirects.get(url, url)
        response = await self.inner.get(target, accept=accept, max_bytes=max_bytes)
        return FetchResponse(
            url=target,
            status=response.status,
            content_type=response.content_type,
            body=response.body,
        )


async def test_redirect_to_the_declared_id_is_accepted() -> None:
    """A redirect ending at the URL the assertion names as its id is fine."""
    final = f"{ORIGIN}/a/123.json"
    inner = hosted_fetcher()
    inner.add(final, assertion_doc(id=final))
    verdict = await run(assertion_doc(), RedirectingFetcher(inner, {ASSERTION: final}))
    assert verdict.status == "valid", verdict.to_json()


async def test_badge_class_naming_another_id_is_read_from_that_id() -> None:
    """A badge class that names another id is read once more from it, then used."""
    moved = f"{ORIGIN}/badges/robotics-v2"
    fetcher = hosted_fetcher(badge=badge_doc(id=moved))
    fetcher.add(moved, badge_doc(id=moved, name="Robotics 101 (2026)"))
    verdict = await run(assertion_doc(), fetcher)
    assert verdict.status == "valid", verdict.to_json()
    assert verdict.badge.name == "Robotics 101 (2026)" and verdict.badge.badge_class_id == moved


async def test_issuer_that_does_not_name_itself_is_id_mismatch() -> None:
    """An issuer document that claims another issuer's id (which disowns it) is ID_MISMATCH."""
    elsewhere = "https://other.example/issuer"
    fetcher = hosted_fetcher(issuer=issuer_doc(id=elsewhere))
    fetcher.add(elsewhere, issuer_doc(id="https://other.example/someone-else"))
    verdict = await run(assertion_doc(), fetcher)
    assert codes(verdict) == ["ID_MISMATCH"]


async def test_embedded_badge_class_with_web_id_is_read_from_its_id() -> None:
    """A badge class embedded in the assertion is re-read from its http id, not trusted."""
    embedded_class = badge_doc(name="Forged name")
    fetcher = hosted_fetcher(assertion=assertion_doc(badge=embedded_class))
    verdict = await run(assertion_doc(badge=embedded_class), fetcher)
    assert verdict.status == "valid"
    assert verdict.badge.name == "Robotics 101"
    assert dict(fetcher.requests) == {ASSERTION: 1, BADGE: 1, ISSUER: 1}


async def test_embedded_issuer_without_web_id_is_used_as_embedded() -> None:
    """A badge class and issuer with urn ids are used as the hosted assertion embeds them."""
    issuer = issuer_doc(id="urn:uuid:0c1b4c2e-1d5e-4b59-9b3a-5c0b0d7e2f11")
    badge = badge_doc(id="urn:uuid:6a0b7e58-57a4-4a57-8c3f-2cc4d2a8e0a1", issuer=issuer)
    fetcher = hosted_fetcher(assertion=assertion_doc(badge=badge))
    verdict = await run(ASSERTION, fetcher)
    assert verdict.status == "valid", verdict.to_json()
    assert dict(fetcher.requests) == {ASSERTION: 1}


async def test_missing_badge_reference_is_missing_property() -> None:
    """An assertion without 'badge' is MISSING_PROPERTY naming it."""
    fetcher = hosted_fetcher(assertion=assertion_doc(badge=DROP))
    verdict = await run(ASSERTION, fetcher)
    assert codes(verdict) == ["MISSING_PROPERTY"]
    assert "'badge'" in message_of(verdict, ErrorCode.MISSING_PROPERTY)


async def test_hosted_copy_declaring_signed_is_refused() -> None:
    """A fetched assertion that says it is signed cannot be checked from plain JSON."""
    fetcher = hosted_fetcher(assertion=assertion_doc(verification={"type": "SignedBadge"}))
    verdict = await run(ASSERTION, fetcher)
    assert codes(verdict) == ["PROOF_MISSING"]


async def test_embedded_signed_assertion_without_token_is_invalid() -> None:
    """Assertion JSON that declares SignedBadge but arrives without its JWS is invalid."""
    embedded = assertion_doc(verification={"type": "SignedBadge"})
    fetcher = DictFetcher()
    verdict = await run(embedded, fetcher)
    assert verdict.status == "invalid" and verdict.format == "signed"
    assert codes(verdict) == ["PROOF_MISSING"]
    assert "signed token" in message_of(verdict, ErrorCode.PROOF_MISSING)
    assert not fetcher.requests


async def test_embedded_assertion_without_web_id_cannot_be_located() -> None:
    """A hosted assertion whose id is not an http(s) URL is INVALID_PROPERTY, not fetched."""
    fetcher = DictFetcher()
    verdict = await run(assertion_doc(id="urn:uuid:1234"), fetcher)
    assert codes(verdict) == ["INVALID_PROPERTY"]
    assert not fetcher.requests


async def test_non_badge_json_is_unknown_badge_type() -> None:
    """JSON with nothing of an assertion in it is UNKNOWN_BADGE_TYPE."""
    verdict = await run({"hello": "world"}, DictFetcher())
    assert codes(verdict) == ["UNKNOWN_BADGE_TYPE"]


async def test_non_http_url_payload_is_refused() -> None:
    """A URL payload that is not http(s) is SCHEME_REFUSED before any fetch."""
    fetcher = DictFetcher()
    from agent.bakery.model import PayloadKind, Unbaked

    verdict = await run(Unbaked("file:///etc/passwd", PayloadKind.URL, "text", "url"), fetcher)
    assert codes(verdict) == ["SCHEME_REFUSED"]
    assert not fetcher.requests


@dataclass
class TimelineFetcher:
    """Records when each request starts and ends; every answer takes a few scheduler turns."""

    inner: DictFetcher
    events: list[tuple[str, str]] = field(default_factory=list)

    async def get(self, url: str, **options: Any) -> FetchResponse:
        self.events.append(("start", url))
        for _ in range(5):
            await asyncio.sleep(0)
        response = await self.inner.get(url, **options)
        self.events.append(("end", url))
        return response


async def test_badge_class_is_fetched_alongside_the_assertion() -> None:
    """The badge class named by the embedded copy is requested before the assertion answers."""
    timeline = TimelineFetcher(hosted_fetcher())
    verdict = await run(assertion_doc(), timeline)
    assert verdict.status == "valid"
    events = timeline.events
    assert events.index(("start", BADGE)) < events.index(("end", ASSERTION))


async def test_issuer_is_fetched_alongside_an_embedded_badge_class() -> None:
    """With the badge class embedded, all three documents are in flight at once."""
    embedded = assertion_doc(badge=badge_doc())
    timeline = TimelineFetcher(hosted_fetcher(assertion=embedded))
    verdict = await run(embedded, timeline)
    assert verdict.status == "valid"
    first_end = next(index for index, event in enumerate(timeline.events) if event[0] == "end")
    assert {url for _, url in timeline.events[:first_end]} == {ASSERTION, BADGE, ISSUER}


async def test_wrong_guess_is_replaced_by_the_right_badge_class() -> None:
    """When the server's copy names another badge class, that one is fetched and used."""
    real = f"{ORIGIN}/badges/real"
    fetcher = hosted_fetcher(assertion=assertion_doc(badge=real))
    fetcher.add(real, badge_doc(id=real, name="The real badge"))
    verdict = await run(assertion_doc(), fetcher)
    assert verdict.status == "valid"
    assert verdict.badge.name == "The real badge"
    assert fetcher.requests[real] == 1 and fetcher.requests[ISSUER] == 1


async def test_issuer_is_fetched_alongside_the_badge_class_it_embeds() -> None:
    """When the fetched assertion embeds its badge class, the issuer is not left for later."""
    timeline = TimelineFetcher(hosted_fetcher(assertion=assertion_doc(badge=badge_doc())))
    verdict = await run(ASSERTION, timeline)
    assert verdict.status == "valid"
    events = timeline.events
    assert events.index(("start", ISSUER)) < events.index(("end", BADGE))
