"""What the extension's end-to-end tests share: Chromium with the repository loaded as an unpacked
extension and the replica mail sites resolved to a local HTTPS server, the native host installed
for its profile, a real sample issuer, the agent's library read from outside, and screenshots.

Needs /usr/bin/chromium and Playwright for Python (never `playwright install`). Locally the tests
skip without them; in CI (CI=true) they fail, since `make test` installs Chromium.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from agent.client import AgentClient
from agent.paths import resolve_paths
from agent.sandbox.artwork import badge_png
from agent.sandbox.issuer import IssuedBadge, SampleIssuer
from agent.sandbox.issuer_app import IssuerServer
from tests.browser.replica_server import ReplicaServer, ReplicaThread, Resource
from tests.host.support import stop_agent_of
from tests.support.issuer_thread import IssuerThread

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = Path(__file__).resolve().parent / "replicas"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
EXTENSION_ID = "gjclphckdhebdmajhgpofchhgaogdaed"
POPUP_URL = f"chrome-extension://{EXTENSION_ID}/extension/popup/popup.html"
OPTIONS_URL = f"chrome-extension://{EXTENSION_ID}/extension/options/options.html"
EARNER = "earner@example.org"
GMAIL_URL = "https://mail.google.com/mail/u/0/#inbox/FMfcgzQbfLGxxwNtHmJqdQ"
OUTLOOK_URL = "https://outlook.office.com/mail/inbox/id/AAQkADAwATM0MDAAMS1hNmI5"
REPLICA_HOSTS = [
    "mail.google.com",
    "outlook.office.com",
    "ci3.googleusercontent.com",
    "ci4.googleusercontent.com",
    "academy.example",
    "attachments.office.net",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} The browser tests must run in CI: `make test` installs it.")
    pytest.skip(reason)


@contextmanager
def sync_playwright_or_skip() -> Iterator[Any]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is missing (pip install playwright).")
    with sync_playwright() as instance:
        yield instance


def install_host(tmp: Path, profile: Path, bk_home: Path) -> None:
    """`badgekeeper install --browser chromium --user-data-dir PROFILE` for a throw-away user."""
    env = {
        **os.environ,
        "HOME": str(tmp / "home"),
        "XDG_CONFIG_HOME": str(tmp / "home" / ".config"),
        "BADGEKEEPER_HOME": str(bk_home),
        "BADGEKEEPER_ALLOW_HOSTS": "127.0.0.1",  # the agent verifies against the local issuer
    }
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "install", "--browser", "chromium",
         "--user-data-dir", str(profile)],
        env=env, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def launch(playwright: Any, profile: Path, resolver_rules: str) -> Any:
    """Chromium with the repository as an unpacked extension and the replica hosts mapped."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        ignore_default_args=["--disable-extensions"],
        viewport={"width": 1280, "height": 860},
        args=[
            f"--disable-extensions-except={ROOT}",
            f"--load-extension={ROOT}",
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--host-resolver-rules={resolver_rules}",
            "--ignore-certificate-errors",
        ],
    )


def service_worker(context: Any) -> Any:
    worker = (
        context.service_workers[0]
        if context.service_workers
        else context.wait_for_event("serviceworker", timeout=30_000)
    )
    assert worker.url.startswith(f"chrome-extension://{EXTENSION_ID}/")
    return worker


def agent_call(bk_home: Path, method: str, params: dict[str, Any] | None = None) -> Any:
    """Call the running agent of ``bk_home`` from outside the browser (own thread and loop)."""

    async def call() -> Any:
        paths = resolve_paths({"BADGEKEEPER_HOME": str(bk_home)})
        async with await AgentClient.connect(paths) as client:
            return await client.call(method, params or {})

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, call()).result(timeout=60)


def save_many(bk_home: Path, images: list[bytes]) -> None:
    """Save badges straight into the agent, several at once (to fill a library quickly)."""

    async def save() -> None:
        paths = resolve_paths({"BADGEKEEPER_HOME": str(bk_home)})
        async with await AgentClient.connect(paths) as client:
            await asyncio.gather(
                *(
                    client.call("badge.save", {"data": base64.b64encode(image).decode()})
                    for image in images
                )
            )

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, save()).result(timeout=120)


def library(bk_home: Path) -> list[dict[str, Any]]:
    return list(agent_call(bk_home, "badge.list", {"limit": 200})["items"])


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Keep a screenshot in test-artifacts/browser/ (git-ignored) for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=full_page)
    return target


def strip_badge_chunks(png: bytes) -> bytes:
    """The PNG without its text chunks: what an image proxy that re-encodes would serve."""
    assert png.startswith(PNG_SIGNATURE)
    out, pos = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        if kind not in (b"tEXt", b"iTXt", b"zTXt"):
            out.append(png[pos : pos + 12 + length])
        pos += 12 + length
    return b"".join(out)


def plain_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid PNG without any text chunk (a logo, a pixel)."""
    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    idat = zlib.compress(row * height)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@dataclass(frozen=True)
class Mailbox:
    """The badges the replica mailboxes hold, by where they appear."""

    teamwork: IssuedBadge  # Gmail body, proxied; the proxy copy has lost its badge chunk
    badgr_url: str  # Gmail body, a Badgr-style assertion image (unbaked), proxied
    attachment: IssuedBadge  # Gmail attachment, session-bound download
    revoked: IssuedBadge  # Gmail, second message (expanded later)
    signed: IssuedBadge  # Gmail, second message; saved through the context menu's handler
    outlook_body: IssuedBadge
    outlook_attachment: IssuedBadge  # an SVG


def _proxy(replica: ReplicaServer, host: str, token: str, body: bytes) -> None:
    path = (
        f"/meips/ADKq_N{token}=s0-d-e1-ft"
        if host == "ci3.googleusercontent.com"
        else f"/proxy/{token}=s0-d-e1-ft"
    )
    replica.add(host, path, Resource(body, "image/png", cors=True))


def fill_mailboxes(replica: ReplicaServer, issuer: SampleIssuer) -> Mailbox:
    """Issue the badges and put them, a logo and a pixel into the Gmail and Outlook replicas."""
    teamwork = issuer.issue_ob2_hosted(EARNER, "teamwork")
    badgr = issuer.issue_ob2_hosted(EARNER, "python", badgr_style=True)
    badgr_url = f"{badgr.assertion_id}/image"
    attachment = issuer.issue_ob3_jwt(EARNER, "safety")
    revoked = issuer.issue_ob2_hosted(EARNER, "research", revocation="gone")
    signed = issuer.issue_ob2_signed(EARNER, "teamwork")
    outlook_body = issuer.issue_ob2_signed(EARNER, "python")
    outlook_attachment = issuer.issue_ob3_data_integrity(EARNER, "safety", svg=True)
    logo = plain_png(160, 48, (15, 108, 189))

    files = {"teamwork": teamwork, "revoked": revoked, "signed": signed, "python": outlook_body}
    names = {
        key: f"{key}-{badge.assertion_id.rsplit('/', 1)[-1][:12]}.png"
        for key, badge in files.items()
    }
    for key, badge in files.items():
        replica.add(
            "academy.example",
            f"/badges/{names[key]}",
            Resource(badge.image, "image/png", cors=True),
        )
    replica.add("academy.example", "/logo.png", Resource(logo, "image/png", cors=True))
    _proxy(replica, "ci3.googleusercontent.com", "logo", logo)
    _proxy(replica, "ci3.googleusercontent.com", "px", plain_png(1, 1, (255, 255, 255)))
    for key in ("teamwork", "revoked", "signed"):
        _proxy(replica, "ci3.googleusercontent.com", key, strip_badge_chunks(files[key].image))
    badgr_image = issuer.documents[urlsplit(badgr_url).path].body
    _proxy(replica, "ci4.googleusercontent.com", "badgr", badgr_image)

    attachment_path = (
        "/mail/u/0?ui=2&ik=1a2b3c&attid=0.1&permmsgid=msg-f:1790000000000000001"
        "&view=att&disp=safe&realattid=f_lx1"
    )
    replica.add(
        "mail.google.com",
        attachment_path,
        Resource(attachment.image, "image/png", needs_session=True),
    )
    thumbnail = badge_png("safety", "Lab Safety", size=112)
    replica.add(
        "mail.google.com",
        "/mail/u/0?ui=2&ik=1a2b3c&attid=0.1&view=att&disp=thd",
        Resource(thumbnail, "image/png", needs_session=True),
    )
    gmail = (REPLICAS / "gmail.html").read_text()
    for name, value in {
        "EARNER": EARNER,
        "TEAMWORK_TOKEN": "teamwork", "TEAMWORK_FILE": names["teamwork"],
        "REVOKED_TOKEN": "revoked", "REVOKED_FILE": names["revoked"],
        "SIGNED_TOKEN": "signed", "SIGNED_FILE": names["signed"],
        "BADGR_TOKEN": "badgr", "BADGR_URL": badgr_url,
    }.items():  # fmt: skip
        gmail = gmail.replace("{{" + name + "}}", value)
    replica.page("mail.google.com", "/mail/u/0/", gmail)

    outlook = (REPLICAS / "outlook.html").read_text()
    outlook = outlook.replace("{{EARNER}}", EARNER).replace("{{PYTHON_FILE}}", names["python"])
    replica.page("outlook.office.com", urlsplit(OUTLOOK_URL).path, outlook)
    replica.add(
        "outlook.office.com",
        "/owa/service.svc/s/GetFileAttachment?id=AAMk1&X-OWA-CANARY=x1",
        Resource(outlook_attachment.image, "image/svg+xml", needs_session=True),
    )
    replica.add(
        "attachments.office.net",
        "/owa/earner%40example.org/service.svc/s/GetAttachmentThumbnail?id=AAMk1&thumbnailType=2",
        Resource(badge_png("safety", "Lab Safety", size=40), "image/png"),
    )
    return Mailbox(
        teamwork, badgr_url, attachment, revoked, signed, outlook_body, outlook_attachment
    )


@dataclass
class Session:
    """One Chromium with the extension, the host installed for its profile (or not)."""

    context: Any
    worker: Any
    bk_home: Path
    replica: ReplicaServer
    mailbox: Mailbox
    issuer: SampleIssuer
    issuer_server: IssuerServer


@contextmanager
def extension_session(playwright: Any, tmp: Path, *, install: bool = True) -> Iterator[Session]:
    """Issuer, replicas, (the host installed,) Chromium; everything stopped afterwards."""
    profile, bk_home = tmp / "profile", tmp / "bk"
    if install:
        install_host(tmp, profile, bk_home)
    with IssuerThread() as issuer:
        replica_thread = ReplicaThread(ReplicaServer(), REPLICA_HOSTS)
        with replica_thread as replica:
            mailbox = fill_mailboxes(replica, issuer.issuer)
            context = launch(playwright, profile, replica_thread.resolver_rules())
            try:
                worker = service_worker(context)
                if install:  # the host starts the agent on the first call; tests read it directly
                    worker.evaluate("() => self.badgekeeper.call('agent.hello')")
                yield Session(context, worker, bk_home, replica, mailbox, issuer.issuer, issuer)
            finally:
                context.close()
                stop_agent_of(bk_home)
