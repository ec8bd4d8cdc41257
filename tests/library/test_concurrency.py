"""Concurrent writers in separate processes, and kill -9 in the middle of saving."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agent.library import Library

REPO = Path(__file__).resolve().parents[2]


def start_saver(prefix: str, count: int) -> subprocess.Popen[str]:
    """A child process saving ``count`` badges into this test's BADGEKEEPER_HOME."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.library.saver_child", prefix, str(count)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def acknowledged(lines: list[str]) -> dict[str, str]:
    """badge id → image sha256 for every save the child printed (after save returned)."""
    saved = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "saved":
            saved[parts[1]] = parts[2]
    return saved


def check_intact(library: Library, saved: dict[str, str]) -> None:
    """Every acknowledged badge is present with its file, and SQLite says the file is sound."""
    for badge_id, sha256 in saved.items():
        record = library.get(badge_id)
        assert record.sha256 == sha256
        image = library.image(badge_id)
        assert image is not None and hashlib.sha256(image[0]).hexdigest() == sha256
    assert library.integrity_errors() == []


@pytest.mark.timeout(120)
def test_two_processes_saving_at_once_lose_nothing() -> None:
    """Two processes saving 200 badges each at the same time: all 400 present, database sound."""
    children = [start_saver(prefix, 200) for prefix in ("left", "right")]
    outputs = [child.communicate(timeout=100) for child in children]
    for child, (_, stderr) in zip(children, outputs, strict=True):
        assert child.returncode == 0, stderr
    saved = {}
    for stdout, _ in outputs:
        saved.update(acknowledged(stdout.splitlines()))
    assert len(saved) == 400
    with Library() as library:
        assert library.list_badges().total == 400
        check_intact(library, saved)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("round_", range(3))
def test_kill_9_during_saves_loses_no_acknowledged_save(round_: int) -> None:
    """After kill -9 mid-loop, every save the child reported is present with its file intact."""
    wanted = (15, 40, 90)[round_]
    child = start_saver(f"killed{round_}", 100_000)
    assert child.stdout is not None
    lines: list[str] = []
    while len(acknowledged(lines)) < wanted:
        line = child.stdout.readline()
        assert line, child.stderr.read() if child.stderr else "child ended"
        lines.append(line)
    os.kill(child.pid, signal.SIGKILL)
    rest, _ = child.communicate(timeout=30)
    lines.extend(rest.splitlines())  # saves acknowledged before the kill landed
    assert child.returncode == -signal.SIGKILL
    saved = acknowledged(lines)
    assert len(saved) >= wanted
    with Library() as library:
        check_intact(library, saved)
        assert library.list_badges().total >= len(saved)
        # The library keeps working after the crash.
        assert library.get(next(iter(saved))).name is not None
