"""Without `badgekeeper install`: badges are still found on the page, and the page button, the
popup and the options page each say the helper program is missing and show the one command
that installs it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.extension_harness import (
    GMAIL_URL,
    OPTIONS_URL,
    POPUP_URL,
    Session,
    extension_session,
    screenshot,
    sync_playwright_or_skip,
)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """Chromium with the extension but no native host registered for its profile."""
    tmp = tmp_path_factory.mktemp("no-host")
    with (
        sync_playwright_or_skip() as playwright,
        extension_session(playwright, tmp, install=False) as opened,
    ):
        yield opened


def test_popup_shows_the_install_command(session: Session) -> None:
    """The popup explains what is missing and shows `badgekeeper install` with a Copy button."""
    popup = session.context.new_page()
    popup.set_viewport_size({"width": 400, "height": 600})
    popup.goto(POPUP_URL)
    host = popup.locator("#view-host")
    host.wait_for(timeout=30_000)
    assert popup.locator("#host-title").inner_text() == "Finish setting up Badgekeeper"
    assert popup.locator("#host-command").inner_text() == "badgekeeper install"
    assert "pipx install badgekeeper" in host.inner_text()
    assert popup.get_by_role("button", name="Copy").count() == 1
    assert popup.locator("#view-list").is_hidden()
    screenshot(popup, "popup-host-missing")
    popup.close()


def test_page_button_says_the_helper_is_missing(session: Session) -> None:
    """Badges are still marked (detection needs no agent); pressing Save shows the command and
    leaves the button ready for another try."""
    page = session.context.new_page()
    page.goto(GMAIL_URL)
    page.locator("#teamwork[data-badgekeeper='badge']").wait_for(state="attached", timeout=20_000)
    assert page.locator("#logo").get_attribute("data-badgekeeper") is None
    button = page.locator("#teamwork + .badgekeeper-anchor button[data-badgekeeper='save']")
    button.click()
    note = page.locator("#teamwork + .badgekeeper-anchor .badgekeeper-note")
    note.wait_for(timeout=20_000)
    assert note.locator(".badgekeeper-command").inner_text() == "badgekeeper install"
    assert page.locator("#teamwork").get_attribute("data-badgekeeper-error") == "HOST_NOT_INSTALLED"
    assert button.inner_text() == "Save badge"
    assert button.get_attribute("aria-disabled") is None
    page.mouse.move(5, 5)
    page.wait_for_timeout(400)
    screenshot(page, "gmail-host-missing")
    page.close()


def test_options_page_shows_the_install_command(session: Session) -> None:
    """The options page has nothing to show without the agent but the command to install."""
    page = session.context.new_page()
    page.goto(OPTIONS_URL)
    page.locator("#host-problem").wait_for(timeout=30_000)
    assert page.locator("#host-command").inner_text() == "badgekeeper install"
    assert page.locator("#settings").is_hidden()
    page.close()
