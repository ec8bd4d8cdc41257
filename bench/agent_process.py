"""A real ``badgekeeper serve`` for the agent benchmarks, and its memory as Linux reports it.

Rules:
- The agent runs as a child (``python -m agent.cli serve``) in a home of its own
  (``BADGEKEEPER_HOME``), reaching the loopback issuer only when ``allow`` names its host.
- Memory is read from ``/proc/PID/status``: VmRSS (resident now) and VmHWM (the peak since the
  process started). MB = 10⁶ bytes, as everywhere in RESULTS.md.
- The agent is stopped with SIGTERM and waited for; a hung one is killed, never left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from agent.paths import Paths, resolve_paths

REPO_ROOT = Path(__file__).resolve().parent.parent
BYTES_PER_MB = 1_000_000
FOLLOW_EVERY_S = 0.002


@dataclass(frozen=True)
class Memory:
    """Resident memory of one process at one moment, in MB."""

    rss_mb: float  # VmRSS: resident now
    hwm_mb: float  # VmHWM: the peak since it started


def memory_of(pid: int) -> Memory | None:
    """VmRSS and VmHWM of ``pid``, or None when /proc cannot tell (gone, not Linux)."""
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    fields[name] = int(value.split()[0]) * 1024
    except (OSError, ValueError):
        return None
    if len(fields) != 2:
        return None
    return Memory(fields["VmRSS"] / BYTES_PER_MB, fields["VmHWM"] / BYTES_PER_MB)


class MemoryFollower:
    """Samples a process's VmRSS every few milliseconds; keeps the highest and the last reading."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.max_rss_mb = 0.0
        self.last: Memory | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self) -> MemoryFollower:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()  # the state at the end, after the last sample

    def _read(self) -> None:
        memory = memory_of(self.pid)
        if memory is not None:
            self.last = memory
            self.max_rss_mb = max(self.max_rss_mb, memory.rss_mb)

    def _follow(self) -> None:
        while not self._stop.wait(FOLLOW_EVERY_S):
            self._read()


def _socket_answers(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(os.fspath(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


class AgentProcess:
    """``badgekeeper serve`` for ``home``, listening once ``__enter__`` returns."""

    def __init__(
        self, home: Path, *args: str, allow: str | None = None, timeout: float = 30
    ) -> None:
        self.home = home
        self.paths: Paths = resolve_paths({"BADGEKEEPER_HOME": str(home)})
        self._args = args
        self._allow = allow
        self._timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the agent has not been started")
        return self._process.pid

    @property
    def log_file(self) -> Path:
        return self.paths.logs / "agent.log"

    def memory(self) -> Memory:
        found = memory_of(self.pid)
        if found is None:
            raise RuntimeError(f"the agent's memory cannot be read from /proc/{self.pid}/status")
        return found

    def __enter__(self) -> AgentProcess:
        self.home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "BADGEKEEPER_HOME": str(self.home)}
        env.pop("BADGEKEEPER_ALLOW_HOSTS", None)
        if self._allow:
            env["BADGEKEEPER_ALLOW_HOSTS"] = self._allow
        with (self.home / "serve-stderr.txt").open("ab") as stderr:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "agent.cli", "serve", *self._args],
                env=env,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + self._timeout
        while not (self.paths.token_file.exists() and _socket_answers(self.paths.socket)):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(
                    f"`badgekeeper serve` did not start; see {self.home / 'serve-stderr.txt'}"
                )
            time.sleep(0.02)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
