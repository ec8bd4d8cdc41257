"""Helpers for native-host tests: the host as a real process driven through its stdio framing,
real agents (started here, or by the host), and stopping whatever a test started."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from agent.paths import Paths, resolve_paths
from tests.agent.conftest import socket_answers

ROOT = Path(__file__).resolve().parents[2]
CHROME_ID = "gjclphckdhebdmajhgpofchhgaogdaed"
CHROME_ORIGIN = f"chrome-extension://{CHROME_ID}/"
GECKO_ID = "badgekeeper@badgekeeper.org"
HEADER = struct.Struct("=I")


def paths_for(home: Path) -> Paths:
    return resolve_paths({"BADGEKEEPER_HOME": str(home)})


def host_environment(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "BADGEKEEPER_HOME": str(home), **extra}
    if "BADGEKEEPER_HOST_CONFIG" not in extra:
        env.pop("BADGEKEEPER_HOST_CONFIG", None)
    return env


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def request(request_id: Any, method: str, params: dict[str, Any] | None = None) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message).encode()


class HostProcess:
    """``python -m native_host ARGS`` with a thread collecting the frames it writes."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "native_host", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
        )
        self.frames: queue.Queue[bytes | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            header = stream.read(HEADER.size)
            if len(header) < HEADER.size:
                self.frames.put(None)
                return
            (length,) = HEADER.unpack(header)
            self.frames.put(stream.read(length))

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, payload: bytes) -> None:
        self.write(frame(payload))

    def call(self, request_id: Any, method: str, params: dict[str, Any] | None = None) -> Any:
        self.send(request(request_id, method, params))
        return self.receive()

    def receive_raw(self, timeout: float = 20) -> bytes:
        data = self.frames.get(timeout=timeout)
        if data is None:
            raise AssertionError(f"the host's output ended; stderr: {self.stderr_text()}")
        return data

    def receive(self, timeout: float = 20) -> Any:
        return json.loads(self.receive_raw(timeout))

    def receive_reply(self, request_id: Any, timeout: float = 20) -> Any:
        """The reply to ``request_id``, skipping events."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(deadline - time.monotonic(), 0.01))
            if message.get("id") == request_id and "method" not in message:
                return message

    def nothing_more(self, wait: float = 0.5) -> bool:
        try:
            self.frames.get(timeout=wait)
        except queue.Empty:
            return True
        return False

    def close_stdin(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()

    def wait(self, timeout: float = 20) -> int:
        return self.process.wait(timeout)

    def stderr_text(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read().decode("utf-8", "replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.close_stdin()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def start_agent(home: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``python -m agent.cli serve`` for ``home``, in the foreground; waits until it listens."""
    home.mkdir(parents=True, exist_ok=True)
    paths = paths_for(home)
    with (home / "serve-stderr.txt").open("ab") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", "serve"],
            env=env or host_environment(home),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + 30
    while not (paths.token_file.exists() and socket_answers(paths.socket)):
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("serve did not listen in time")
        time.sleep(0.02)
    return process


def agent_pid(home: Path) -> int | None:
    """The pid the running agent of ``home`` wrote into its lock file."""
    try:
        holder = json.loads(paths_for(home).lock_file.read_text())
    except (OSError, ValueError):
        return None
    pid = holder.get("pid") if isinstance(holder, dict) else None
    return pid if isinstance(pid, int) else None


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody reaped yet counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def agent_processes(home: Path) -> list[int]:
    """Every running ``agent.cli`` process (launcher or agent) serving ``home`` (Linux /proc)."""
    wanted = f"BADGEKEEPER_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"agent.cli" in command and wanted in environment and process_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def stop_agent_of(home: Path, timeout: float = 30) -> None:
    """Stop every agent serving ``home`` (those hosts started, detached, included) and wait
    until they are gone; scanned twice, for a launcher that was still forking."""
    deadline = time.monotonic() + timeout
    quiet_rounds = 0
    while quiet_rounds < 2:
        pids = agent_processes(home)
        lock_pid = agent_pid(home)
        if lock_pid is not None and process_alive(lock_pid) and lock_pid not in pids:
            pids.append(lock_pid)
        if not pids:
            quiet_rounds += 1
            time.sleep(0.1)
            continue
        quiet_rounds = 0
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM if time.monotonic() < deadline else signal.SIGKILL)
        while any(process_alive(pid) for pid in pids) and time.monotonic() < deadline + 5:
            time.sleep(0.05)
