"""The agent's parts one by one: handshake judge, runtime files, lock, socket folder, event
bus, task owner, idle exit, log redaction."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import stat
import sys
from pathlib import Path

import pytest
from websockets.datastructures import Headers

from agent.errors import BadgekeeperError, ErrorCode
from agent.paths import resolve_paths
from agent.server.auth import bearer, judge_handshake
from agent.server.endpoint import prepare_socket_dir, remove_stale_socket
from agent.server.events import EventBus
from agent.server.idle import Activity, stop_when_idle
from agent.server.lock import InstanceLock
from agent.server.logs import RedactingFormatter
from agent.server.runtime_files import (
    port_file,
    read_port,
    read_token,
    remove_runtime_files,
    write_port,
    write_token,
)
from agent.server.tasks import TaskOwner

TOKEN = "t0k3n-" + "x" * 37


def headers(*pairs: tuple[str, str]) -> Headers:
    return Headers(list(pairs))


def test_the_right_token_is_let_in() -> None:
    """Bearer with this run's token passes (scheme in any case)."""
    assert judge_handshake(headers(("Authorization", bearer(TOKEN))), TOKEN, tcp_port=None) is None
    lower = headers(("Authorization", f"bearer {TOKEN}"))
    assert judge_handshake(lower, TOKEN, tcp_port=None) is None


@pytest.mark.parametrize(
    "pairs",
    [
        (),
        (("Authorization", "Bearer wrong"),),
        (("Authorization", f"Basic {TOKEN}"),),
        (("Authorization", TOKEN),),
        (("Authorization", bearer(TOKEN)), ("Authorization", bearer(TOKEN))),
        (("Authorization", bearer(TOKEN + "x")),),
    ],
    ids=["missing", "wrong", "basic", "no-scheme", "twice", "longer"],
)
def test_a_missing_or_wrong_token_is_401(pairs: tuple[tuple[str, str], ...]) -> None:
    """Anything but exactly one Bearer with the token is refused with 401."""
    refusal = judge_handshake(headers(*pairs), TOKEN, tcp_port=None)
    assert refusal is not None and refusal.status == 401
    assert TOKEN not in refusal.reason


def test_an_origin_is_403_even_with_the_token() -> None:
    """A browser page's Origin header is refused before the token is looked at."""
    for origin in ("https://evil.example", "null", ""):
        refusal = judge_handshake(
            headers(("Authorization", bearer(TOKEN)), ("Origin", origin)), TOKEN, tcp_port=None
        )
        assert refusal is not None and refusal.status == 403


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:5123", True),
        ("localhost:5123", True),
        ("LOCALHOST:5123", True),
        ("127.0.0.1:5124", False),
        ("127.0.0.1", False),
        ("rebind.evil.example:5123", False),
        ("[::1]:5123", False),
        (None, False),
    ],
)
def test_on_tcp_the_host_must_name_loopback_and_our_port(host: str | None, allowed: bool) -> None:
    """Windows' TCP transport: a DNS-rebinding Host (or none) is refused with 403."""
    pairs = [("Authorization", bearer(TOKEN))]
    if host is not None:
        pairs.append(("Host", host))
    refusal = judge_handshake(headers(*pairs), TOKEN, tcp_port=5123)
    assert (refusal is None) is allowed
    if refusal is not None:
        assert refusal.status == 403


def test_the_token_file_is_private_and_replaced_atomically(tmp_path: Path) -> None:
    """write_token makes a 0600 file, leaves no temporary behind; reads strip the newline."""
    paths = resolve_paths({"BADGEKEEPER_HOME": str(tmp_path)})
    assert read_token(paths) is None
    write_token(paths, TOKEN)
    write_token(paths, TOKEN + "2")
    assert read_token(paths) == TOKEN + "2"
    assert stat.S_IMODE(paths.token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.runtime.stat().st_mode) == 0o700
    assert sorted(p.name for p in paths.runtime.iterdir()) == ["agent.token"]
    write_port(paths, 50123)
    assert read_port(paths) == 50123
    assert stat.S_IMODE(port_file(paths).stat().st_mode) == 0o600
    port_file(paths).write_text("70000")
    assert read_port(paths) is None
    remove_runtime_files(paths)
    remove_runtime_files(paths)  # twice is fine
    assert list(paths.runtime.iterdir()) == []


def test_the_lock_admits_one_holder_and_names_it(tmp_path: Path) -> None:
    """A second lock fails while the first is held and reads its pid and endpoint."""
    first, second = (
        InstanceLock(tmp_path / "run" / "agent.lock"),
        InstanceLock(tmp_path / "run" / "agent.lock"),
    )
    assert first.acquire()
    first.record("/somewhere/agent.sock")
    assert not second.acquire()
    holder = second.holder()
    assert holder.pid == os.getpid()
    assert holder.endpoint == "/somewhere/agent.sock"
    assert str(os.getpid()) in holder.describe()
    first.release()
    assert second.holder().pid is None  # released: no stale pid for the next reader
    assert second.acquire()
    second.release()


def test_a_garbled_lock_file_reads_as_unknown(tmp_path: Path) -> None:
    """holder() never fails on a lock file it cannot read."""
    path = tmp_path / "agent.lock"
    path.write_bytes(b"\xff\x00garbage")
    assert InstanceLock(path).holder().describe() == "an unknown process"
    path.write_text('{"pid": true, "endpoint": 3}')
    assert InstanceLock(path).holder().pid is None


def test_a_socket_folder_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    """A symlink where the private socket folder should be is never used."""
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    link = tmp_path / "socket-dir"
    link.symlink_to(target)
    with pytest.raises(BadgekeeperError) as raised:
        prepare_socket_dir(link)
    assert raised.value.code is ErrorCode.AGENT_UNAVAILABLE


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs chown")
def test_a_socket_folder_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    """A folder another user made (say in /tmp) is refused even when its mode looks right."""
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 4242, 4242)
    with pytest.raises(BadgekeeperError):
        prepare_socket_dir(folder)


def test_only_a_socket_is_removed_as_stale_and_only_under_the_lock(tmp_path: Path) -> None:
    """A regular file at the socket's path is refused; nothing is removed without the lock."""
    lock = InstanceLock(tmp_path / "agent.lock")
    path = tmp_path / "agent.sock"
    with pytest.raises(RuntimeError):
        remove_stale_socket(path, lock)
    assert lock.acquire()
    try:
        path.write_text("precious")
        with pytest.raises(BadgekeeperError):
            remove_stale_socket(path, lock)
        assert path.read_text() == "precious"
        path.unlink()
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(os.fspath(path))
        stale.close()
        remove_stale_socket(path, lock)
        assert not path.exists()
    finally:
        lock.release()


async def test_the_bus_drops_a_subscriber_that_falls_behind() -> None:
    """publish never blocks: a full queue drops that subscriber and flags it; others go on."""
    bus = EventBus(queue_limit=3)
    with bus.subscription() as slow, bus.subscription() as fast:
        for n in range(5):
            bus.publish("badge.deleted", {"id": str(n)})
            if n < 4:
                fast.queue.get_nowait()
        assert slow.overflowed.is_set()
        assert not fast.overflowed.is_set()
        assert bus.subscriber_count == 1
        assert fast.queue.qsize() == 1
    assert bus.subscriber_count == 0


async def test_an_event_that_cannot_be_encoded_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A publisher bug never breaks the publisher: the event is dropped and logged."""
    bus = EventBus()
    with bus.subscription() as subscriber:
        bus.publish("badge.saved", {"when": object()})
        assert subscriber.queue.empty()
    assert "could not be encoded" in caplog.text


async def test_the_task_owner_cancels_and_awaits_what_is_left() -> None:
    """Leaving the owner cancels running tasks and waits for them; failures are logged."""
    finished: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            finished.append("cleaned up")

    async with TaskOwner("test") as owner:
        task = owner.start(forever(), name="forever")
        await asyncio.sleep(0)
        assert len(owner) == 1
    assert task.cancelled()
    assert finished == ["cleaned up"]
    with pytest.raises(RuntimeError):
        owner.start(forever(), name="late")


async def test_a_failing_task_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A task that raises is logged with its name when it ends."""

    async def fail() -> None:
        raise ValueError("boom")

    async with TaskOwner("test") as owner:
        owner.start(fail(), name="failing")
        assert await owner.wait(5)
    assert "test:failing failed" in caplog.text


async def test_idle_exit_fires_only_without_clients() -> None:
    """stop_when_idle sets stop after the idle period, never while a client is connected."""
    activity, stop = Activity(), asyncio.Event()
    async with TaskOwner("test") as owner:
        with activity.client():
            owner.start(stop_when_idle(activity, 0.05, stop), name="idle")
            await asyncio.sleep(0.2)
            assert not stop.is_set()
        await asyncio.wait_for(stop.wait(), 5)


def test_the_log_formatter_blanks_registered_secrets() -> None:
    """A token that slipped into a message or a traceback never reaches the file."""
    formatter = RedactingFormatter("%(message)s")
    formatter.add_secret(TOKEN)
    try:
        raise ValueError(f"bad {TOKEN}")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "token is %s", (TOKEN,), sys.exc_info()
        )
    line = formatter.format(record)
    assert TOKEN not in line
    assert line.count("[redacted]") == 2
