"""The real round trip: Debian's Chromium loads the repository as an unpacked extension, its
service worker calls the agent through `connectNative` and the installed host, and a badge sent
from the worker ends up in the library.

Needs /usr/bin/chromium and Playwright for Python (never `playwright install`). Locally the
tests skip without them; in CI (CI=true) they fail, since `make test` installs Chromium.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.client import AgentClient
from agent.paths import resolve_paths
from agent.sandbox.issuer_app import IssuerServer
from tests.browser.extension_harness import install_host, service_worker
from tests.host.support import stop_agent_of
from tests.support.issuer_thread import IssuerThread

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
EXTENSION_ID = "gjclphckdhebdmajhgpofchhgaogdaed"
EARNER = "earner@example.org"

pytestmark = pytest.mark.timeout(180)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} The browser tests must run in CI: `make test` installs it.")
    pytest.skip(reason)


def chromium_args(root: Path) -> list[str]:
    return [
        f"--disable-extensions-except={root}",
        f"--load-extension={root}",
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]


@dataclass
class Browser:
    worker: Any
    bk_home: Path
    issuer: IssuerServer


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    """Playwright's sync API, once per module (two cannot run in one thread)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is missing (pip install playwright).")
    with sync_playwright() as instance:
        yield instance


def launch(playwright: Any, profile: Path) -> Any:
    """Chromium with the repository loaded as an unpacked extension, exactly as NOTES says."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        ignore_default_args=["--disable-extensions"],
        args=chromium_args(ROOT),
    )


@pytest.fixture(scope="module")
def browser(playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Chromium with the extension loaded and the host installed for its profile."""
    tmp = tmp_path_factory.mktemp("chromium")
    profile, bk_home = tmp / "profile", tmp / "bk"
    install_host(tmp, profile, bk_home)
    with IssuerThread() as issuer:
        context = launch(playwright, profile)
        try:
            yield Browser(service_worker(context), bk_home, issuer)
        finally:
            context.close()
            stop_agent_of(bk_home)


def list_library(bk_home: Path) -> list[dict[str, Any]]:
    """The library as the agent lists it, read outside the browser (own thread and loop)."""

    async def read() -> list[dict[str, Any]]:
        paths = resolve_paths({"BADGEKEEPER_HOME": str(bk_home)})
        async with await AgentClient.connect(paths) as client:
            page = await client.call("badge.list", {"limit": 200})
        return list(page["items"])

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result(timeout=60)


def test_service_worker_reaches_the_agent(browser: Browser) -> None:
    """agent.hello from the service worker, through connectNative and the host, is answered
    by the agent of the installed home (started on demand)."""
    result = browser.worker.evaluate("() => self.badgekeeper.call('agent.hello', {client: 'test'})")
    assert result["agent"] == "badgekeeper"
    assert result["home"] == str(browser.bk_home / "data")


def test_badge_saved_from_the_worker_is_in_the_library(browser: Browser) -> None:
    """A baked badge sent from the worker (base64 in badge.save) is verified, kept, announced
    to the worker as badge.saved, and listed by the agent afterwards."""
    issued = browser.issuer.issuer.issue_ob2_hosted(EARNER)
    data = base64.b64encode(issued.image).decode("ascii")
    outcome = browser.worker.evaluate(
        """async (data) => {
            const events = [];
            const stop = self.badgekeeper.onEvent((event, params) => events.push([event, params]));
            const saved = await self.badgekeeper.call('badge.save', {
                data, source: {page_url: 'https://mail.google.com/mail/u/0/#inbox/x'}});
            for (let i = 0; i < 100 && !events.some(([e]) => e === 'badge.saved'); i++) {
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            stop();
            return {saved, events: events.map(([e, p]) => [e, p.badge?.id ?? null])};
        }""",
        data,
    )
    badge = outcome["saved"]["badge"]
    assert outcome["saved"]["created"] is True
    assert badge["status"] == "valid", outcome["saved"]["verdict"]
    assert ["badge.saved", badge["id"]] in outcome["events"]
    library = list_library(browser.bk_home)
    (kept,) = [item for item in library if item["id"] == badge["id"]]
    assert kept["sha256"] == hashlib.sha256(issued.image).hexdigest()


def test_agent_errors_arrive_as_typed_errors(browser: Browser) -> None:
    """An agent error rejects the call with its stable code (data.name or JSON-RPC's name)."""
    codes = browser.worker.evaluate(
        """async () => {
            const codes = [];
            for (const [method, params] of [['badge.get', {id: 'ffffffffffff'}], ['no.such', {}]]) {
                try { await self.badgekeeper.call(method, params); codes.push('resolved'); }
                catch (error) { codes.push([error.name, error.code]); }
            }
            return codes;
        }"""
    )
    assert codes == [
        ["NativeHostError", "BADGE_NOT_FOUND"],
        ["NativeHostError", "METHOD_NOT_FOUND"],
    ]


def test_host_not_installed_is_a_typed_error(playwright: Any, tmp_path: Path) -> None:
    """Without `badgekeeper install`, a call fails with HOST_NOT_INSTALLED naming the command."""
    context = launch(playwright, tmp_path / "bare-profile")
    try:
        error = service_worker(context).evaluate(
            """() => self.badgekeeper.call('agent.hello').then(
                () => null, (error) => ({code: error.code, message: error.message}))"""
        )
    finally:
        context.close()
    assert error["code"] == "HOST_NOT_INSTALLED"
    assert "badgekeeper install" in error["message"]
