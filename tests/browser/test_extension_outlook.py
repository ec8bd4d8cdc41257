"""The extension in a replica of Outlook on the web's reading pane (body inserted late, like the
real app): the body's badge and the SVG attachment are marked, the logo is not, and both are
saved with the page's cookies and verified.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from tests.browser.extension_harness import (
    EARNER,
    OUTLOOK_URL,
    Session,
    extension_session,
    library,
    screenshot,
    sync_playwright_or_skip,
)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    tmp = tmp_path_factory.mktemp("outlook")
    with sync_playwright_or_skip() as playwright, extension_session(playwright, tmp) as opened:
        opened.worker.evaluate(
            "(address) => self.badgekeeper.call('emails.add', {address})", EARNER
        )
        yield opened


def test_outlook_badges_are_marked_and_saved(session: Session) -> None:
    """The PNG badge in the body and the SVG attachment get Save buttons (the logo does not);
    pressing them saves both, verified, with the message as their source."""
    page = session.context.new_page()
    page.goto(OUTLOOK_URL)
    for image_id in ("badge", "attachment"):
        page.locator(f"#{image_id}[data-badgekeeper='badge']").wait_for(
            state="attached", timeout=20_000
        )
    assert page.locator("#logo").get_attribute("data-badgekeeper") is None
    page.locator("#badge").hover()
    page.wait_for_timeout(300)
    screenshot(page, "outlook-hover")

    for image_id in ("badge", "attachment"):
        page.locator(f"#{image_id} + .badgekeeper-anchor button[data-badgekeeper='save']").click()
    for image_id in ("badge", "attachment"):
        marked = page.locator(f"#{image_id}[data-badgekeeper-status]")
        marked.wait_for(state="attached", timeout=30_000)
        assert marked.get_attribute("data-badgekeeper-status") == "valid"

    kept = {item["sha256"]: item for item in library(session.bk_home)}
    body = kept[hashlib.sha256(session.mailbox.outlook_body.image).hexdigest()]
    svg = kept[hashlib.sha256(session.mailbox.outlook_attachment.image).hexdigest()]
    assert svg["media_type"] == "image/svg+xml" and svg["spec"] == "ob3"
    assert body["source"]["mail_subject"] == "Your credentials from Sandbox Academy"
    assert body["source"]["mail_sender"] == "Sandbox Academy <credentials@academy.example>"
    assert body["source"]["page_url"] == OUTLOOK_URL
    page.mouse.move(5, 5)
    page.wait_for_timeout(400)
    screenshot(page, "outlook-saved")
    page.close()
