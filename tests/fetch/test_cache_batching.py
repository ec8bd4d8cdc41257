"""The cache's disk writes (304s that rewrite nothing, stale answers kept on disk only, the byte
count) and aiohttp's CA certificates loaded at the first TLS handshake."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from agent.fetch import SafeFetcher, parse_allow_hosts
from agent.fetch.cache import HttpCache
from tests.fetch.conftest import LoopbackServer

Serve = Callable[..., Awaitable[LoopbackServer]]
Handler = Callable[[web.Request], Awaitable[web.Response]]
REPO_ROOT = Path(__file__).resolve().parents[2]
KEY = ("https://issuer.example/assertions/1", "application/json")


def revalidating(cache_control: str = "no-cache", on_304: str | None = None) -> Handler:
    """200 with an ETag, or 304 when asked with it (carrying ``on_304`` as Cache-Control)."""

    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            headers = {"ETag": '"v1"', "Cache-Control": on_304 or cache_control}
            return web.Response(status=304, headers=headers)
        headers = {"ETag": '"v1"', "Cache-Control": cache_control}
        return web.Response(body=b'{"v": 1}', content_type="application/json", headers=headers)

    return handler


def fetcher_for(server: LoopbackServer, folder: Path) -> SafeFetcher:
    return SafeFetcher(allow_hosts=parse_allow_hosts(f"127.0.0.1:{server.port}"), cache_dir=folder)


def store(cache: HttpCache, key: tuple[str, str], cache_control: str, body: bytes = b"{}") -> None:
    cache.store(
        key,
        final_url=None,
        content_type="application/json",
        headers=[("Cache-Control", cache_control), ("ETag", '"e"')],
        body=body,
    )


# --- what is written, and when ------------------------------------------------------------


def test_overwrites_never_make_eviction_delete_live_files(tmp_path: Path) -> None:
    """Rewriting one file many times passes the byte count, yet eviction keeps every file."""
    cache = HttpCache(
        directory=tmp_path, clock=time.time, batch_reuse_seconds=60, disk_limit=40_000
    )
    store(cache, ("https://issuer.example/first", "application/json"), "max-age=3600")
    for round_number in range(20):
        store(cache, KEY, "max-age=3600", body=bytes([round_number]) * 5_000)
    assert len(list(tmp_path.glob("*.entry"))) == 2
    reopened = HttpCache(directory=tmp_path, clock=time.time, batch_reuse_seconds=60)
    entry = reopened.lookup(KEY)
    assert entry is not None and entry.body == bytes([19]) * 5_000
    assert reopened.lookup(("https://issuer.example/first", "application/json")) is not None
    assert not list(tmp_path.glob(".tmp-*"))


def test_a_folder_that_cannot_be_made_never_fails_a_store(tmp_path: Path) -> None:
    """When the cache folder cannot be created, a store still works and nothing is kept."""
    blocker = tmp_path / "http"
    blocker.write_text("a file where the folder should be")
    cache = HttpCache(directory=blocker, clock=time.time, batch_reuse_seconds=60)
    store(cache, KEY, "no-cache")
    assert cache.lookup(KEY) is None
    assert blocker.read_text() == "a file where the folder should be"


async def test_stale_answer_is_revalidated_from_disk_in_the_same_run(
    serve: Serve, tmp_path: Path
) -> None:
    """A no-cache answer kept on disk only still gives its ETag to the next get of the run."""
    server = await serve({"/a": revalidating()})
    async with fetcher_for(server, tmp_path / "http") as fetcher:
        first = await fetcher.get(server.url("/a"))
        second = await fetcher.get(server.url("/a"))
    assert server.requests[1].headers["If-None-Match"] == '"v1"'
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.body == b'{"v": 1}'
    assert fetcher.stats.revalidated == 1


async def test_unchanged_304_rewrites_no_file_but_touches_it(serve: Serve, tmp_path: Path) -> None:
    """A 304 that leaves the entry stale with the same ETag keeps its file, marked as used."""
    folder = tmp_path / "http"
    server = await serve({"/a": revalidating()})
    async with fetcher_for(server, folder) as fetcher:
        await fetcher.get(server.url("/a"))
    (entry,) = folder.glob("*.entry")
    written = entry.read_bytes()
    os.utime(entry, (1_000_000, 1_000_000))  # as if written long ago
    before = entry.stat()
    async with fetcher_for(server, folder) as fetcher:
        response = await fetcher.get(server.url("/a"))
    assert response.from_cache is True
    assert fetcher.stats.revalidated == 1
    after = entry.stat()
    assert after.st_ino == before.st_ino
    assert entry.read_bytes() == written
    assert after.st_mtime > time.time() - 60


async def test_304_that_makes_the_entry_fresh_is_written(serve: Serve, tmp_path: Path) -> None:
    """A 304 granting max-age is written, so the next run needs no request at all."""
    folder = tmp_path / "http"
    server = await serve({"/a": revalidating(on_304="max-age=3600")})
    for _ in range(3):
        async with fetcher_for(server, folder) as fetcher:
            response = await fetcher.get(server.url("/a"))
        assert response.body == b'{"v": 1}'
    assert server.hits["/a"] == 2


# --- TLS: CA certificates loaded at the first handshake ------------------------------------


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None = None, **extra: object
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def make_tls_files(folder: Path, label: str) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for 127.0.0.1 it signed: (ca.pem, server.pem, server.key)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        _certificate(f"Test CA {label}", ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        _certificate("127.0.0.1", server_key, ca.subject)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (folder / f"{label}-ca.pem", folder / f"{label}.pem", folder / f"{label}.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


CLIENT = """
import asyncio, json, ssl, sys
from agent.fetch.lazy_tls import aiohttp, DeferredCAContext
import aiohttp.connector as connector
from agent.fetch import SafeFetcher, parse_allow_hosts
from agent.errors import FetchError

verified = connector._SSL_CONTEXT_VERIFIED
report = {
    "deferred": isinstance(verified, DeferredCAContext),
    "pending_before": "_badgekeeper_pending_ca_loads" in verified.__dict__,
    "verify_mode": int(verified.verify_mode),
    "check_hostname": verified.check_hostname,
    "stdlib_restored": type(ssl.create_default_context()) is ssl.SSLContext,
}

async def main():
    async with SafeFetcher(allow_hosts=parse_allow_hosts("127.0.0.1")) as fetcher:
        try:
            report["status"] = (await fetcher.get(sys.argv[1])).status
        except FetchError as exc:
            report["error"] = exc.code.name
    report["pending_after"] = "_badgekeeper_pending_ca_loads" in verified.__dict__

asyncio.run(main())
print(json.dumps(report))
"""


async def fetch_in_fresh_process(url: str, ca_file: Path) -> dict[str, object]:
    """Run CLIENT in a fresh interpreter (aiohttp first imported by lazy_tls), trusting only
    the CA in ``ca_file``."""
    env = {**os.environ, "SSL_CERT_FILE": str(ca_file), "SSL_CERT_DIR": str(ca_file.parent)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLIENT,
        url,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    return dict(json.loads(out))


async def hello(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


@pytest.mark.timeout(90)
async def test_deferred_ca_context_verifies_at_the_first_handshake(
    serve: Serve, tmp_path: Path
) -> None:
    """aiohttp's CAs load at the first handshake: a trusted server passes, another fails."""
    trusted_ca, cert, key = make_tls_files(tmp_path, "trusted")
    _, other_cert, other_key = make_tls_files(tmp_path, "other")
    ca_only = tmp_path / "cas"
    ca_only.mkdir()
    (ca_only / "ca.pem").write_bytes(trusted_ca.read_bytes())
    urls = []
    runners = []
    for certificate, private_key in ((cert, key), (other_cert, other_key)):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, private_key)
        app = web.Application()
        app.router.add_get("/a", hello)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        urls.append(f"https://127.0.0.1:{runner.addresses[-1][1]}/a")
    try:
        trusted = await fetch_in_fresh_process(urls[0], ca_only / "ca.pem")
        other = await fetch_in_fresh_process(urls[1], ca_only / "ca.pem")
    finally:
        for runner in runners:
            await runner.cleanup()
    assert trusted["deferred"] is True
    assert trusted["pending_before"] is True
    assert (trusted["verify_mode"], trusted["check_hostname"]) == (ssl.CERT_REQUIRED, True)
    assert trusted["stdlib_restored"] is True
    assert trusted.get("status") == 200
    assert trusted["pending_after"] is False
    assert other.get("error") == "FETCH_FAILED"
