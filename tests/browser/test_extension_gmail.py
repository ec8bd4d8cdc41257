"""The extension in a replica of a Gmail conversation, in real Chromium with the real host and
agent: badges are found and marked, saved once with one press, their verdict shown on the page,
listed live in an open popup; the context menu's handler saves an image read inside the tab.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.extension_harness import (
    EARNER,
    GMAIL_URL,
    POPUP_URL,
    Session,
    agent_call,
    extension_session,
    library,
    screenshot,
    sync_playwright_or_skip,
)

pytestmark = pytest.mark.timeout(180)

MARKED = 'img[data-badgekeeper="badge"]'


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """One Chromium for the module, the host installed, the earner's address known."""
    tmp = tmp_path_factory.mktemp("gmail")
    with sync_playwright_or_skip() as playwright, extension_session(playwright, tmp) as opened:
        opened.worker.evaluate(
            "(address) => self.badgekeeper.call('emails.add', {address})", EARNER
        )
        yield opened


@pytest.fixture(scope="module")
def gmail(session: Session) -> Any:
    """The Gmail replica, opened, with both messages loaded and their badges judged."""
    page = session.context.new_page()
    page.goto(GMAIL_URL)
    page.locator("#revoked[data-badgekeeper='badge']").wait_for(state="attached", timeout=20_000)
    page.locator("#signed[data-badgekeeper='badge']").wait_for(state="attached", timeout=20_000)
    return page


def save_button(page: Any, image_id: str) -> Any:
    """The Save button beside an image (the button follows it, or the link around it)."""
    return page.locator(
        f"#{image_id} + .badgekeeper-anchor, a:has(#{image_id}) + .badgekeeper-anchor"
    ).locator('button[data-badgekeeper="save"]')


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_badges_are_marked_and_other_images_are_not(gmail: Any) -> None:
    """Every badge image (proxied original, Badgr image, attachment, later message) is marked
    and gets a Save button named "Save badge"; the logo and the tracking pixel are not."""
    marked = gmail.eval_on_selector_all(MARKED, "images => images.map(image => image.id).sort()")
    assert marked == ["attachment", "badgr", "revoked", "signed", "teamwork"]
    assert gmail.locator("#logo").get_attribute("data-badgekeeper") is None
    assert gmail.locator("#pixel").get_attribute("data-badgekeeper") is None
    assert gmail.get_by_role("button", name="Save badge").count() == 5
    gmail.locator("#teamwork").hover()
    gmail.wait_for_timeout(300)  # the button fades in
    screenshot(gmail, "gmail-hover")


def test_pressing_save_twice_saves_once_and_shows_the_verdict(session: Session, gmail: Any) -> None:
    """Two quick presses make one save: one badge, one source, verified valid; the page shows
    ✓ Valid with the reason as its tooltip."""
    popup = session.context.new_page()
    popup.set_viewport_size({"width": 400, "height": 600})
    popup.goto(POPUP_URL)
    popup.get_by_text("No badges yet").wait_for()
    gmail.bring_to_front()

    button = save_button(gmail, "teamwork")
    button.click()
    button.click(force=True)
    gmail.locator("#teamwork[data-badgekeeper-status]").wait_for(state="attached", timeout=30_000)
    assert gmail.locator("#teamwork").get_attribute("data-badgekeeper-status") == "valid"
    assert button.get_attribute("data-badgekeeper-status") == "valid"
    assert button.text_content() == "✓ Valid"  # the button became the status badge
    assert "verified" in (button.get_attribute("title") or "")

    kept = [
        item
        for item in library(session.bk_home)
        if item["sha256"] == sha256(session.mailbox.teamwork.image)
    ]
    assert len(kept) == 1
    record = agent_call(session.bk_home, "badge.get", {"id": kept[0]["id"]})
    assert len(record["sources"]) == 1, "pressed twice, saved twice"
    source = record["sources"][0]
    assert source["page_url"].startswith("https://mail.google.com/mail/u/0/")
    assert source["image_url"].startswith("https://academy.example/badges/teamwork-")
    assert source["mail_subject"] == "Your badges from Sandbox Academy"
    assert source["mail_sender"] == "Sandbox Academy <badges@academy.example>"

    # The popup, open all along, lists the badge without being reopened.
    popup.locator(f'.row[data-id="{kept[0]["id"]}"]').wait_for(timeout=10_000)
    assert "Teamwork" in popup.locator("#badges").inner_text()
    popup.close()


def test_revoked_badge_shows_revoked(session: Session, gmail: Any) -> None:
    """A badge whose assertion is gone is saved with status revoked, and the page says so."""
    save_button(gmail, "revoked").click()
    gmail.locator("#revoked[data-badgekeeper-status]").wait_for(state="attached", timeout=30_000)
    assert gmail.locator("#revoked").get_attribute("data-badgekeeper-status") == "revoked"
    button = save_button(gmail, "revoked")
    assert button.text_content() == "⊘ Revoked"
    assert "revoked" in (button.get_attribute("title") or "").lower()


def test_badgr_image_and_attachment_are_saved(session: Session, gmail: Any) -> None:
    """The Badgr-style image is saved from its address (the agent finds the assertion), the
    attachment from its session-bound download read with the page's cookies."""
    save_button(gmail, "badgr").click()
    save_button(gmail, "attachment").click()
    for image_id in ("badgr", "attachment"):
        gmail.locator(f"#{image_id}[data-badgekeeper-status]").wait_for(
            state="attached", timeout=30_000
        )
        assert gmail.locator(f"#{image_id}").get_attribute("data-badgekeeper-status") == "valid"
    names = {item["name"]: item for item in library(session.bk_home)}
    assert names["Python Foundations"]["assertion_id"] == session.mailbox.badgr_url.removesuffix(
        "/image"
    )
    assert names["Lab Safety"]["sha256"] == sha256(session.mailbox.attachment.image)
    hits = session.replica.hits
    attachment_hits = [
        count
        for (host, path), count in hits.items()
        if host == "mail.google.com" and "disp=safe" in path
    ]
    assert attachment_hits and all(count >= 1 for count in attachment_hits)


def test_context_menu_handler_saves_the_image_read_in_the_tab(session: Session, gmail: Any) -> None:
    """Right-click → Save badge: the handler reads the original behind the proxy inside the tab,
    saves it with the page as its source, and the page's button shows the verdict."""
    src = gmail.locator("#signed").get_attribute("src")
    outcome = session.worker.evaluate(
        """async ([src, pageUrl]) => {
            const [tab] = await chrome.tabs.query({url: 'https://mail.google.com/*'});
            return self.badgekeeper.onMenuClicked(
                {menuItemId: 'badgekeeper-save-badge', srcUrl: src, pageUrl, frameId: 0}, tab);
        }""",
        [src, gmail.url],
    )
    assert outcome["ok"] is True, outcome
    assert outcome["status"] == "valid"
    kept = [
        item
        for item in library(session.bk_home)
        if item["sha256"] == sha256(session.mailbox.signed.image)
    ]
    assert len(kept) == 1 and kept[0]["source"]["image_url"].startswith("https://academy.example/")
    gmail.locator("#signed[data-badgekeeper-status='valid']").wait_for(
        state="attached", timeout=10_000
    )
    gmail.mouse.move(5, 5)
    gmail.wait_for_timeout(400)  # hover-only buttons fade out
    screenshot(gmail, "gmail-saved", full_page=True)


def test_switching_the_site_off_removes_the_buttons(session: Session) -> None:
    """Switching the Gmail button off in the settings removes every button from an open page."""
    page = session.context.new_page()
    page.goto(GMAIL_URL)
    page.locator(MARKED).first.wait_for(state="attached", timeout=20_000)
    only_outlook = {"inline_button_sites": ["outlook"]}
    session.worker.evaluate(
        "(preferences) => self.badgekeeper.call('settings.set', {preferences})", only_outlook
    )
    page.wait_for_function(
        "() => !document.querySelector('.badgekeeper-anchor, [data-badgekeeper]')", timeout=10_000
    )
    session.worker.evaluate(
        "() => self.badgekeeper.call('settings.set', {preferences: {inline_button_sites: null}})"
    )
    page.locator(MARKED).first.wait_for(state="attached", timeout=20_000)
    page.close()
