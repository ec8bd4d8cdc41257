"""An HTTPS server on loopback that answers for mail sites and image hosts by host name.

Chromium is started with ``--host-resolver-rules`` mapping the real host names
(mail.google.com, outlook.office.com, ciN.googleusercontent.com, …) to this server and with
``--ignore-certificate-errors`` for its self-signed certificate, made here at start-up.
Resources are keyed by host and raw path (with its query); one marked ``needs_session`` is
served only to a request carrying the cookie its site's page set, as attachment downloads are.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

SESSION_COOKIE = "SID"
SESSION_VALUE = "replica-session"


@dataclass(frozen=True)
class Resource:
    """One answer: its body and type, whether other sites may read it, whether it needs the
    session cookie, and cookies it sets."""

    body: bytes
    content_type: str
    cors: bool = False
    needs_session: bool = False
    sets_session: bool = False


@dataclass
class ReplicaServer:
    """Resources by ``(host, raw path with query)``; ``hits`` counts requests the same way."""

    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)
    hits: Counter[tuple[str, str]] = field(default_factory=Counter)
    port: int = 0

    def add(self, host: str, path_qs: str, resource: Resource) -> None:
        self.resources[(host, path_qs)] = resource

    def page(self, host: str, path_qs: str, html: str) -> None:
        """An HTML page that starts the session (sets the cookie attachments need)."""
        self.add(host, path_qs, Resource(html.encode(), "text/html", sets_session=True))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0]
        key = (host, request.raw_path)  # as sent: query and percent-escapes untouched
        self.hits[key] += 1
        resource = self.resources.get(key)
        if resource is None:
            return web.Response(status=404, text="Not found")
        if resource.needs_session and request.cookies.get(SESSION_COOKIE) != SESSION_VALUE:
            return web.Response(status=403, text="Sign in first")
        headers = {"Cache-Control": "no-store"}
        if resource.cors:
            headers["Access-Control-Allow-Origin"] = "*"
        response = web.Response(
            body=resource.body, content_type=resource.content_type, headers=headers
        )
        if resource.sets_session:
            response.set_cookie(
                SESSION_COOKIE, SESSION_VALUE, secure=True, samesite="Lax", path="/"
            )
        return response


def self_signed_context(hosts: list[str], folder: Path) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate naming ``hosts``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "badgekeeper replica")])
    now = datetime.datetime.now(datetime.timezone.utc)
    alt_names: list[x509.GeneralName] = [x509.DNSName(host) for host in hosts]
    alt_names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "replica.crt", folder / "replica.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


class ReplicaThread:
    """Serve a ReplicaServer over HTTPS from its own thread and loop (Playwright's sync API owns
    the test's thread)."""

    def __init__(self, server: ReplicaServer, hosts: list[str]) -> None:
        self.server = server
        self.hosts = hosts
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        with tempfile.TemporaryDirectory() as folder:
            context = self_signed_context(self.hosts, Path(folder))
            app = web.Application()
            app.router.add_route("GET", "/{tail:.*}", self.server.handle)
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
            await site.start()
            self.server.port = runner.addresses[0][1]
            self._ready.set()
            try:
                await self._stop.wait()
            finally:
                await runner.cleanup()

    def __enter__(self) -> ReplicaServer:
        self._thread.start()
        assert self._ready.wait(30), "the replica server did not start"
        return self.server

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def resolver_rules(self) -> str:
        """``--host-resolver-rules`` sending every replica host to this server."""
        return ", ".join(f"MAP {host} 127.0.0.1:{self.server.port}" for host in self.hosts)
