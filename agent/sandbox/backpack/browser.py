"""Play the user's browser in the OAuth flow: open the consent page, sign in, approve.

The demo and the tests use this where a person would click: it reads the real consent form,
posts it with the account's address and password, and follows the redirect back to
Badgekeeper's loopback listener — every request of the real flow happens.
"""

from __future__ import annotations

from html.parser import HTMLParser

import aiohttp
from yarl import URL


class _FormReader(HTMLParser):
    """The first form's action and its hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
        elif tag == "input" and values.get("type") == "hidden" and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")


class BrowserError(Exception):
    """The consent flow did not go as a browser would expect."""


async def approve_in_browser(
    authorization_url: str, *, email: str, password: str, approve: bool = True
) -> URL:
    """Approve (or deny) at the consent page; return where the browser finally landed."""
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, trust_env=False) as session:
        async with session.get(authorization_url, allow_redirects=False) as page:
            if page.status in (302, 303):
                return await _land(session, URL(page.headers["Location"]))
            if page.status != 200:
                raise BrowserError(f"the consent page answered HTTP {page.status}")
            reader = _FormReader()
            reader.feed(await page.text())
            page_url = page.url
        if reader.action is None:
            raise BrowserError("the consent page has no form")
        form = {
            **reader.fields,
            "email": email,
            "password": password,
            "decision": "approve" if approve else "deny",
        }
        target = page_url.join(URL(reader.action))
        async with session.post(target, data=form, allow_redirects=False) as decided:
            if decided.status not in (302, 303):
                raise BrowserError(f"signing in answered HTTP {decided.status}")
            return await _land(session, URL(decided.headers["Location"]))


async def _land(session: aiohttp.ClientSession, location: URL) -> URL:
    async with session.get(location, allow_redirects=False) as landed:
        await landed.read()
        if landed.status != 200:
            raise BrowserError(f"the redirect target answered HTTP {landed.status}")
    return location
