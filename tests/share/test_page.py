"""The collection page: Open Graph and card tags, escaping, no script, a strict CSP."""

from __future__ import annotations

import base64
import hashlib

import pytest

from agent.errors import ErrorCode
from agent.share import ShareError
from agent.share.page import PageBadge, render_page
from tests.share.page_parser import read_page

EVIL = "<script>alert(1)</script>"


def badge(**values: object) -> PageBadge:
    base: dict[str, object] = {
        "name": "Teamwork",
        "issuer_name": "Example Academy",
        "description": "Works well with others.",
        "issued_on": "2024-01-01T00:30:00+02:00",
        "expires": None,
        "status": "valid",
        "checked_at": "2024-06-01T12:00:00Z",
        "url": "https://issuer.example/assertions/1",
        "image": "images/teamwork-0123.png",
    }
    return PageBadge(**{**base, **values})  # type: ignore[arg-type]


def test_open_graph_and_twitter_tags_with_a_base_url() -> None:
    """og:title/description/image/url and a large-image card, absolute under the base URL."""
    html = render_page(
        "My badges",
        [badge(), badge(name="Lab Safety")],
        base_url="https://me.example/badges",
        preview_image="images/teamwork-0123.png",
    )
    meta = read_page(html).meta
    assert meta["og:title"] == "My badges"
    assert meta["og:description"] == "2 Open Badges: Teamwork, Lab Safety."
    assert meta["og:url"] == "https://me.example/badges/"
    assert meta["og:image"] == "https://me.example/badges/images/teamwork-0123.png"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]
    assert meta["og:type"] == "website"
    assert meta["viewport"] == "width=device-width, initial-scale=1"


def test_without_a_base_url_there_is_no_og_url() -> None:
    """No base URL: no og:url, and the preview image stays relative to the page."""
    meta = read_page(render_page("Mine", [badge()], preview_image="images/a.png")).meta
    assert "og:url" not in meta
    assert meta["og:image"] == "images/a.png"
    assert meta["twitter:card"] == "summary_large_image"


def test_a_script_badge_name_is_text_not_markup() -> None:
    """A badge, issuer and title named <script>alert(1)</script> render as text, no script tag."""
    html = render_page(
        EVIL,
        [badge(name=EVIL, issuer_name=EVIL, description=EVIL + "\"'&")],
        base_url="https://me.example/",
    )
    page = read_page(html)
    assert "script" not in page.tags
    assert "<script" not in html.lower()
    assert page.text["h1"] == [EVIL]
    assert page.text["h2"] == [EVIL]
    assert page.meta["og:title"] == EVIL
    assert page.text["title"] == [EVIL]
    assert page.images[0]["alt"] == f"Badge image: {EVIL}"
    assert any(EVIL + "\"'&" in chunk for chunk in page.text["p"])
    # No event handler or javascript: anywhere in the markup.
    assert not [a for a in page.attributes if a[1].startswith("on")]
    assert not [a for a in page.attributes if "javascript:" in a[2].lower()]


def test_csp_forbids_scripts_and_allows_only_the_page_style() -> None:
    """The CSP meta tag: default-src 'none', no unsafe-inline, the style's own hash."""
    page = read_page(render_page("Mine", [badge()]))
    policy = page.meta["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "unsafe" not in policy and "script-src" not in policy
    digest = base64.b64encode(hashlib.sha256(page.style.encode("utf-8")).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "img-src 'self' data:" in policy


def test_each_badge_shows_dates_status_and_its_public_link() -> None:
    """Name, issuer, dates as written, status and a link to its public page."""
    page = read_page(render_page("Mine", [badge(expires="2026-12-31T23:00:00-05:00")]))
    text = " ".join(" ".join(chunks) for chunks in page.text.values())
    assert "Issued by Example Academy" in text
    assert "1 January 2024" in text  # as the issuer wrote it, not UTC's 31 December 2023
    assert "31 December 2026" in text
    assert "✓ Verified (checked 1 June 2024)" in text
    assert page.links == ["https://issuer.example/assertions/1"]
    assert page.images[0]["src"] == "images/teamwork-0123.png"


@pytest.mark.parametrize(
    ("status", "label"),
    [("revoked", "Revoked by the issuer"), ("expired", "Expired"), ("invalid", "Did not verify")],
)
def test_a_badge_that_is_not_valid_says_so(status: str, label: str) -> None:
    """The verification state is on the page, not hidden."""
    text = " ".join(read_page(render_page("Mine", [badge(status=status)])).text["p"])
    assert label in text


def test_only_http_links_are_made() -> None:
    """A badge whose address is not http(s) gets no link at all."""
    page = read_page(render_page("Mine", [badge(url="javascript:alert(1)"), badge(url=None)]))
    assert page.links == []


def test_an_empty_collection_still_makes_a_page() -> None:
    """No badges: a page that says so, with its tags."""
    page = read_page(render_page("Empty", []))
    assert page.meta["og:description"] == "0 Open Badges."
    assert "This collection has no badges yet." in page.text["p"]


def test_a_base_url_that_is_not_http_is_refused() -> None:
    """--base-url must be an http(s) address."""
    with pytest.raises(ShareError) as raised:
        render_page("Mine", [], base_url="javascript:alert(1)//")
    assert raised.value.code is ErrorCode.INVALID_ARGUMENT
