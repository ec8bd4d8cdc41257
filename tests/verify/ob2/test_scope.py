"""Hosted verification scope: where an issuer's assertions may live."""

from __future__ import annotations

from typing import Any

import pytest

from agent.verify.ob2.scope import check_hosted_scope
from tests.verify.ob2.support import (
    ASSERTION,
    BADGE,
    ISSUER,
    assertion_doc,
    check_named,
    codes,
    hosted_fetcher,
    issuer_doc,
    run,
)

CDN_ASSERTION = "https://cdn.badges.example/a/123"


async def _verify_cdn_hosted(issuer: dict[str, Any]) -> list[str]:
    """Verify an assertion served from a CDN host for ``issuer``; return the error codes."""
    fetcher = hosted_fetcher(issuer=issuer)
    fetcher.documents.pop(ASSERTION)
    fetcher.add(CDN_ASSERTION, assertion_doc(id=CDN_ASSERTION, badge=BADGE))
    verdict = await run(CDN_ASSERTION, fetcher)
    return codes(verdict)


async def test_default_scope_refuses_another_origin() -> None:
    """Without a policy, an assertion off the issuer's origin is VERIFICATION_SCOPE."""
    assert await _verify_cdn_hosted(issuer_doc()) == ["VERIFICATION_SCOPE"]


async def test_default_scope_accepts_the_issuer_origin() -> None:
    """Without a policy, an assertion on the issuer's own origin is in scope."""
    verdict = await run(assertion_doc(), hosted_fetcher())
    assert check_named(verdict, "scope") == [True]


async def test_allowed_origins_admit_another_host() -> None:
    """allowedOrigins naming the assertion's host puts it in scope."""
    issuer = issuer_doc(verification={"allowedOrigins": "cdn.badges.example"})
    assert await _verify_cdn_hosted(issuer) == []


async def test_allowed_origins_list_that_misses_the_host_refuses() -> None:
    """allowedOrigins that do not name the host (even the issuer's own) refuse it."""
    issuer = issuer_doc(verification={"allowedOrigins": ["issuer.example", "other.example"]})
    assert await _verify_cdn_hosted(issuer) == ["VERIFICATION_SCOPE"]


async def test_starts_with_admits_matching_prefix() -> None:
    """startsWith (a list) with a matching prefix puts the assertion in scope."""
    issuer = issuer_doc(
        verification={"startsWith": ["https://x.example/", "https://cdn.badges.example/a/"]}
    )
    assert await _verify_cdn_hosted(issuer) == []


async def test_starts_with_refuses_other_prefix() -> None:
    """startsWith that the assertion id does not start with is VERIFICATION_SCOPE."""
    issuer = issuer_doc(verification={"startsWith": "https://cdn.badges.example/b/"})
    assert await _verify_cdn_hosted(issuer) == ["VERIFICATION_SCOPE"]


@pytest.mark.parametrize(
    ("assertion_id", "policy", "allowed"),
    [
        ("https://cdn.example:8443/a/1", {"allowedOrigins": "cdn.example:8443"}, True),
        ("https://cdn.example:9443/a/1", {"allowedOrigins": "cdn.example:8443"}, False),
        ("https://cdn.example:9443/a/1", {"allowedOrigins": "cdn.example"}, True),
        ("https://CDN.example/a/1", {"allowedOrigins": "cdn.EXAMPLE"}, True),
        ("https://cdn.example/a/1", {"allowedOrigins": "https://cdn.example"}, True),
        ("https://cdn.example.evil.test/a/1", {"allowedOrigins": "cdn.example"}, False),
        ("https://cdn.example.evil.test/a", {"startsWith": "https://cdn.example"}, False),
        ("https://cdn.example/a/1", {"startsWith": "https://cdn.example"}, True),
        ("HTTPS://CDN.example/a/1", {"startsWith": "https://cdn.example/a/"}, True),
        ("https://cdn.example/b/1", {"startsWith": "https://cdn.example/a/"}, False),
        (
            "https://cdn.example/a/1",
            {"startsWith": "https://cdn.example/a/", "allowedOrigins": "other.example"},
            False,
        ),
        ("https://cdn.example/a/1", {"startsWith": 42, "allowedOrigins": [None, {}]}, False),
        ("http://issuer.example/assertions/1", {}, False),
        ("https://issuer.example:443/assertions/1", {}, True),
    ],
)
def test_scope_rules(assertion_id: str, policy: dict[str, Any], allowed: bool) -> None:
    """Ports, case, full origins, host boundaries and combined policies follow the rules."""
    issuer = issuer_doc(verification=policy)
    assert check_hosted_scope(assertion_id, issuer).allowed is allowed


def test_issuer_without_web_address_cannot_bind_an_origin() -> None:
    """An issuer with only a urn id leaves the host that served the assertion to vouch for it."""
    issuer = {"id": "urn:uuid:5e0c", "name": "Somebody"}
    result = check_hosted_scope("https://anywhere.example/a/1", issuer)
    assert result.allowed and "no web address" in result.detail


def test_default_scope_uses_issuer_id_not_url() -> None:
    """The default origin is the issuer profile id's, even when its home page is elsewhere."""
    issuer = issuer_doc(url="https://www.academy.example")
    assert check_hosted_scope(f"{ISSUER}/../assertions/1", issuer).allowed
    assert not check_hosted_scope("https://www.academy.example/assertions/1", issuer).allowed
