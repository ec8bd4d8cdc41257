"""Tokens and passwords stay secret: the token file is 0600 and replaced atomically, and no token
or password reaches the log, a listing, an event or an error message."""

from __future__ import annotations

import json
import logging
import os
import stat

import pytest

from agent.backpack.tokens import Credentials, TokenStore
from agent.paths import resolve_paths
from agent.sandbox.backpack import DEMO_PASSWORD
from tests.backpack.conftest import Harness


def test_token_file_is_private_and_written_whole() -> None:
    """The file is 0600 from the start, leaves no temporary file, and reads back exactly."""
    store = TokenStore(resolve_paths())
    store.put("a", Credentials(access_token="A1", refresh_token="R1", client_secret="S1"))
    store.put("b", Credentials(access_token="B1"))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in store.path.parent.iterdir()] == [store.path.name]
    assert store.get("a") == Credentials(access_token="A1", refresh_token="R1", client_secret="S1")
    assert store.drop("a") is not None and store.get("a") is None
    assert store.names() == {"b"}


def test_credentials_repr_hides_secrets() -> None:
    """Printing credentials by mistake shows no token or secret."""
    shown = repr(Credentials(access_token="tok-123", refresh_token="ref-456", client_secret="s"))
    assert "tok-123" not in shown and "ref-456" not in shown and "client_secret=" not in shown


def test_a_loosened_token_file_is_tightened_and_a_damaged_one_is_empty() -> None:
    """Someone chmods it 0644: the next read makes it 0600; garbage reads as no tokens."""
    store = TokenStore(resolve_paths())
    store.put("a", Credentials(access_token="A1"))
    os.chmod(store.path, 0o644)
    assert store.get("a") is not None
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.path.write_text("{not json", encoding="utf-8")
    assert store.get("a") is None


async def test_no_token_or_password_in_logs_listings_or_events(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Across connect, refresh, upload, reconnect and errors, secrets appear nowhere visible."""
    caplog.set_level(logging.DEBUG)
    await harness.add_and_connect("sb")
    await harness.add_and_connect("badgr", "badgr")
    harness.sandbox.backpack.store.expire_access_tokens()  # forces refreshes
    badge_id = await harness.save(harness.issue())
    await harness.backpacks.upload(badge_id, "sb")
    await harness.backpacks.upload(badge_id, "badgr")
    await harness.backpacks.drain()
    harness.sandbox.backpack.store.revoke_everything()
    other = await harness.save(harness.issue())
    await harness.backpacks.upload(other, "sb")
    report = await harness.backpacks.drain()
    document = json.loads(harness.backpacks.tokens.path.read_text(encoding="utf-8"))
    secrets = {
        value
        for entry in document["backpacks"].values()
        for key, value in entry.items()
        if key in ("access_token", "refresh_token", "client_secret") and value
    }
    assert len(secrets) >= 4
    visible = "\n".join(
        [
            caplog.text,
            json.dumps(await harness.backpacks.list_backpacks()),
            json.dumps(harness.sink.events),
            json.dumps(report.to_json()),
            json.dumps([u.to_json() for u in await harness.library.uploads(other)]),
        ]
    )
    leaked = [secret for secret in secrets if secret in visible]
    assert leaked == []
    assert DEMO_PASSWORD not in visible
