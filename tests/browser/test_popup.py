"""The toolbar popup and the options page in real Chromium, against the real agent: the empty
state, the list with thumbnails and status chips, live updates, search and filters, details
with every check, share, download, collections, delete, pages of 50, and settings.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from agent.library import Library
from agent.paths import resolve_paths
from agent.sandbox.issuer import IssuedBadge
from tests.browser.extension_harness import (
    EARNER,
    OPTIONS_URL,
    POPUP_URL,
    Session,
    agent_call,
    extension_session,
    library,
    save_many,
    screenshot,
    sync_playwright_or_skip,
)

pytestmark = pytest.mark.timeout(180)

ROWS = "#badges .row"
REVOKED_ROW = "#badges .row:has(.chip[data-status='revoked'])"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    tmp = tmp_path_factory.mktemp("popup")
    with sync_playwright_or_skip() as playwright, extension_session(playwright, tmp) as opened:
        yield opened


def open_popup(session: Session, *, dark: bool = False) -> Any:
    """The popup page at the toolbar popup's size, once it has shown its first view."""
    page = session.context.new_page()
    page.set_viewport_size({"width": 400, "height": 600})
    if dark:
        page.emulate_media(color_scheme="dark")
    page.goto(POPUP_URL)
    page.wait_for_selector("body[data-ready='true'], #view-host:not([hidden])", timeout=30_000)
    return page


def save_from_worker(session: Session, badge: IssuedBadge, subject: str) -> dict[str, Any]:
    """Save a badge the way the page button does, through the worker and the host."""
    data = base64.b64encode(badge.image).decode("ascii")
    source = {"page_url": "https://mail.google.com/mail/u/0/#inbox/x", "mail_subject": subject}
    return dict(
        session.worker.evaluate(
            "([data, source]) => self.badgekeeper.call('badge.save', {data, source})",
            [data, source],
        )
    )


def test_empty_popup_explains_how_to_save_the_first_badge(session: Session) -> None:
    """With no badge yet, the popup says how to save one (inline button, right-click)."""
    popup = open_popup(session)
    empty = popup.locator("#empty")
    empty.wait_for()
    assert "No badges yet" in empty.inner_text()
    assert "Save badge" in empty.inner_text() and "right-click" in empty.inner_text().lower()
    assert popup.locator(ROWS).count() == 0
    screenshot(popup, "popup-empty")
    popup.close()


def test_popup_lists_badges_with_status_and_updates_live(session: Session) -> None:
    """Saved badges are listed with thumbnail, name, issuer and status chip; a badge saved while
    the popup is open appears without reopening it."""
    agent_call(session.bk_home, "emails.add", {"address": EARNER})
    mailbox = session.mailbox
    save_from_worker(session, mailbox.teamwork, "You earned Teamwork")
    save_from_worker(session, mailbox.revoked, "Research Methods")
    popup = open_popup(session)
    popup.locator(ROWS).nth(1).wait_for()
    save_from_worker(session, mailbox.attachment, "Your Lab Safety credential")
    popup.wait_for_function(
        "() => document.querySelectorAll('#badges .row').length === 3", timeout=10_000
    )

    rows = popup.locator(ROWS)
    texts = [rows.nth(index).inner_text() for index in range(3)]
    assert "Lab Safety" in texts[0]  # newest first
    # The revoked badge's issuer is gone (410): it has no name, its issuer shows as a host.
    assert any("Revoked" in text and "127.0.0.1" in text for text in texts), texts
    assert sum("Badgekeeper Sandbox Academy" in text for text in texts) == 2
    popup.wait_for_function(
        "() => [...document.querySelectorAll('#badges img.thumb')]"
        ".every(img => img.src.startsWith('data:image/'))"
    )
    assert popup.locator("#count").inner_text() == "3 badges"
    screenshot(popup, "popup-list")
    popup.close()

    dark = open_popup(session, dark=True)
    dark.locator(ROWS).nth(2).wait_for()
    dark.wait_for_function(
        "() => [...document.querySelectorAll('#badges img.thumb')].every(img => img.src)"
    )
    screenshot(dark, "popup-list-dark")
    dark.close()


def test_search_and_status_filter(session: Session) -> None:
    """Search narrows by words of the name; the status filter shows only revoked badges."""
    popup = open_popup(session)
    popup.locator(ROWS).nth(2).wait_for()
    popup.keyboard.press("/")
    popup.keyboard.type("research")
    popup.wait_for_function("() => document.querySelectorAll('#badges .row').length === 1")
    assert "Revoked" in popup.locator(ROWS).inner_text()  # found by its mail's subject
    popup.fill("#search", "nothing-like-this")
    popup.locator("#no-match").wait_for()
    popup.fill("#search", "")
    popup.select_option("#filter-status", "revoked")
    popup.wait_for_function("() => document.querySelectorAll('#badges .row').length === 1")
    assert "Revoked" in popup.locator(ROWS).inner_text()
    popup.close()


def test_details_show_checks_recipient_and_sources(session: Session) -> None:
    """A badge's details list each verification check, the recipient, the criteria and where
    it came from; Escape goes back to the list with the row focused."""
    popup = open_popup(session)
    row = popup.locator(ROWS, has_text="Teamwork")
    row.wait_for()
    row.focus()
    popup.keyboard.press("Enter")
    details = popup.locator("#view-details")
    details.get_by_role("heading", name="Teamwork").wait_for()
    text = details.inner_text()
    assert "Issued to one of your addresses" in text
    assert f"You ({EARNER})" in text
    assert "The issuer has not revoked it" in text
    assert "“You earned Teamwork”" in text
    assert details.locator(".check[data-passed='true']").count() >= 5
    popup.wait_for_function(
        "() => document.querySelector('#view-details img.thumb')?.src.startsWith('data:')"
    )
    screenshot(popup, "popup-details", full_page=True)
    popup.keyboard.press("Escape")
    popup.locator("#view-list").wait_for()
    popup.wait_for_function(
        "() => document.activeElement?.closest('.row')?.innerText.includes('Teamwork')"
    )
    popup.close()


def test_revoked_details_say_what_the_failure_means(session: Session) -> None:
    """A revoked badge's details show the failed check and the agent's sentence about it."""
    popup = open_popup(session)
    popup.locator(REVOKED_ROW).click()
    details = popup.locator("#view-details")
    details.locator(".check[data-passed='false']").first.wait_for()
    assert "The issuer has revoked it" in details.inner_text()
    assert details.locator(".chip[data-status='revoked']").count() == 1
    screenshot(popup, "popup-details-revoked", full_page=True)
    popup.close()


def test_details_say_when_the_issuer_could_not_be_reached(session: Session) -> None:
    """A badge whose last sync could not reach its issuer keeps its status, and the row and the
    details say so."""
    teamwork = next(b for b in library(session.bk_home) if b["name"] == "Teamwork")
    with Library(resolve_paths({"BADGEKEEPER_HOME": str(session.bk_home)})) as opened:
        note = {"at": "2026-11-20T08:00:00Z", "code": "HTTP_ERROR", "message": "it answered 503"}
        opened.set_check_notes([(teamwork["id"], note, None)])
    try:
        popup = open_popup(session)
        row = popup.locator(ROWS, has_text="Teamwork")
        row.wait_for()
        assert "Issuer unreachable" in row.inner_text()
        assert row.locator(".chip[data-status='valid']").count() == 1
        row.click()
        notice = popup.locator("#view-details .unreachable")
        notice.wait_for()
        assert "could not reach the issuer (it answered 503)" in notice.inner_text()
        popup.close()
    finally:
        with Library(resolve_paths({"BADGEKEEPER_HOME": str(session.bk_home)})) as opened:
            opened.set_check_notes([(teamwork["id"], None, None)])


def test_share_download_and_collections(session: Session) -> None:
    """Share lists the agent's links, Download hands over the saved image, and the badge joins a
    new collection that the collection filter then shows."""
    popup = open_popup(session)
    popup.locator(ROWS, has_text="Teamwork").click()
    details = popup.locator("#view-details")
    details.get_by_role("button", name="Share").click()
    linkedin = details.get_by_role("link", name="Add to LinkedIn profile")
    linkedin.wait_for()
    assert (linkedin.get_attribute("href") or "").startswith(
        "https://www.linkedin.com/profile/add?"
    )
    assert details.get_by_role("button", name="Copy link").count() == 1

    with popup.expect_download() as download_info:
        details.get_by_role("button", name="Download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".png")
    with open(download.path(), "rb") as saved:
        assert saved.read() == session.mailbox.teamwork.image

    details.get_by_label("New collection name").fill("Favourites")
    details.get_by_role("button", name="Add", exact=True).click()
    details.locator(".collection-chips", has_text="Favourites").wait_for()
    details.get_by_role("button", name="← All badges").click()
    popup.wait_for_function(
        "() => [...document.querySelectorAll('#filter-collection option')]"
        ".some(option => option.textContent === 'Favourites')"
    )
    popup.select_option("#filter-collection", label="Favourites")
    popup.wait_for_function("() => document.querySelectorAll('#badges .row').length === 1")
    assert "Teamwork" in popup.locator(ROWS).inner_text()
    popup.close()


def test_delete_asks_first_then_removes_the_badge(session: Session) -> None:
    """Delete asks to confirm; confirming removes the badge from the library and the list."""
    popup = open_popup(session)
    popup.locator(REVOKED_ROW).click()
    details = popup.locator("#view-details")
    details.get_by_role("button", name="Delete from library").click()
    confirm = details.get_by_role("alertdialog")
    confirm.wait_for()
    assert "Delete this badge from your library?" in confirm.inner_text()
    confirm.get_by_role("button", name="Delete").click()
    popup.locator("#view-list").wait_for()
    popup.wait_for_function("() => document.querySelectorAll('#badges .row').length === 2")
    assert all(item["status"] != "revoked" for item in library(session.bk_home))
    popup.close()


def test_pages_of_fifty(session: Session) -> None:
    """With more than 50 badges the agent cuts pages: "1–50 of N", and Next shows the rest."""
    have = len(library(session.bk_home))
    images = [session.issuer.issue_ob2_hosted(EARNER, "python").image for _ in range(53 - have)]
    save_many(session.bk_home, images)
    popup = open_popup(session)
    popup.locator("#pager").wait_for()
    assert popup.locator("#range").inner_text() == "1–50 of 53"
    assert popup.locator(ROWS).count() == 50
    popup.get_by_role("button", name="Next").click()
    popup.wait_for_function("() => document.querySelectorAll('#badges .row').length === 3")
    assert popup.locator("#range").inner_text() == "51–53 of 53"
    popup.close()


def test_check_all_shows_progress(session: Session) -> None:
    """Checking every badge again shows "Verifying N of M" while the agent works (from its
    sync.progress events, or per badge without sync.run), then clears."""
    popup = open_popup(session)
    popup.locator(ROWS).first.wait_for()
    popup.evaluate(
        """() => {
            window.progressSeen = [];
            const text = document.getElementById('progress-text');
            new MutationObserver(() => window.progressSeen.push(text.textContent))
                .observe(text, {childList: true, characterData: true, subtree: true});
        }"""
    )
    session.issuer_server.delay = 0.2  # a slower issuer, so the progress can be seen
    try:
        popup.get_by_role("button", name="Check every badge again").click()
        popup.wait_for_function(
            "() => window.progressSeen.some(text => /^Verifying [0-9]+ of 53$/.test(text))",
            timeout=30_000,
        )
        screenshot(popup, "popup-progress")
        popup.locator("#progress").wait_for(state="hidden", timeout=90_000)
    finally:
        session.issuer_server.delay = 0.0
    popup.locator("#check-all:not([disabled])").wait_for()
    popup.close()


def test_options_page_changes_the_agents_settings(session: Session) -> None:
    """The options page adds an address, turns auto-upload on and sets the sync interval, all
    in the agent's settings."""
    page = session.context.new_page()
    page.goto(OPTIONS_URL)
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    page.get_by_label("New address").fill("ada@work.example")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_text("ada@work.example").wait_for()
    page.get_by_label("Upload every valid badge I save").check()
    page.select_option("#sync-interval", "60")
    page.wait_for_function("() => document.getElementById('saved').textContent.includes('Saved')")
    settings = agent_call(session.bk_home, "settings.get")
    assert "ada@work.example" in settings["emails"]
    assert settings["preferences"]["auto_upload"] is True
    page.wait_for_timeout(300)
    assert agent_call(session.bk_home, "settings.get")["preferences"]["sync_interval_minutes"] == 60
    alarm = session.worker.evaluate("() => chrome.alarms.get('badgekeeper-sync')")
    assert alarm["periodInMinutes"] == 60
    screenshot(page, "options", full_page=True)
    page.close()


def test_sync_alarm_asks_the_agent_to_sync(session: Session) -> None:
    """The sync alarm exists after install, and firing it makes the agent drain its uploads
    (this agent has no sync.run)."""
    alarm = session.worker.evaluate("() => chrome.alarms.get('badgekeeper-sync')")
    assert alarm is not None and alarm["periodInMinutes"] >= 5
    outcome = session.worker.evaluate("() => self.badgekeeper.onAlarm({name: 'badgekeeper-sync'})")
    assert outcome["method"] in ("sync.run", "upload.drain")
    assert "uploads" in outcome["result"] or outcome["method"] == "sync.run"
