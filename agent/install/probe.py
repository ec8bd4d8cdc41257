"""Start the installed host as a browser would and ask the agent ``agent.hello`` through it.

``doctor`` uses this to show the whole path works: launcher, interpreter, the host's caller
check, and the agent (started on demand, as for the browser).
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any

PROBE_TIMEOUT = 20.0
HEADER = struct.Struct("=I")


@dataclass(frozen=True)
class ProbeResult:
    """What the host answered (``reply``), or why nothing usable came back (``error``)."""

    ok: bool
    milliseconds: float
    reply: dict[str, Any] | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "ms": round(self.milliseconds, 1),
            "agent": (self.reply or {}).get("result"),
            "error": self.error,
        }


def _read_reply(stream: Any, holder: list[bytes]) -> None:
    header = stream.read(HEADER.size)
    if len(header) == HEADER.size:
        (length,) = HEADER.unpack(header)
        holder.append(stream.read(min(length, 1024 * 1024)))


def probe_host(argv: list[str], *, timeout: float = PROBE_TIMEOUT) -> ProbeResult:
    """Run ``argv`` (the launcher and the browser's arguments), send ``agent.hello``."""
    request = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "agent.hello", "params": {"client": "doctor"}}
    ).encode()
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except OSError as exc:
        return ProbeResult(False, 0.0, None, f"the launcher could not be run ({exc.strerror})")
    assert process.stdin is not None and process.stdout is not None
    holder: list[bytes] = []
    reader = threading.Thread(target=_read_reply, args=(process.stdout, holder), daemon=True)
    reader.start()
    try:
        process.stdin.write(HEADER.pack(len(request)) + request)
        process.stdin.flush()
    except OSError:
        pass  # the host already exited; its standard error says why
    reader.join(timeout)
    elapsed = (time.perf_counter() - started) * 1000
    with contextlib.suppress(OSError):
        process.stdin.close()  # the browser closing the port: the host exits
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    assert process.stderr is not None
    stderr = process.stderr.read(64 * 1024)
    process.stdout.close()
    process.stderr.close()
    if not holder:
        said = stderr.decode("utf-8", "replace").strip().splitlines()
        why = said[-1] if said else f"no answer within {timeout:g} s"
        return ProbeResult(False, elapsed, None, why)
    try:
        reply = json.loads(holder[0])
    except ValueError:
        return ProbeResult(False, elapsed, None, "the host answered something that is not JSON")
    if not isinstance(reply, dict) or "result" not in reply:
        error = reply.get("error", {}) if isinstance(reply, dict) else {}
        message = error.get("message") if isinstance(error, dict) else None
        return ProbeResult(False, elapsed, reply, str(message or "the host answered an error"))
    return ProbeResult(True, elapsed, reply, None)
