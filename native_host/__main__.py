"""``python -m native_host``: the native messaging host browsers start for the extension.

Rules:
- Standard output carries frames and nothing else. It is taken over before anything runs and
  file descriptor 1 then points at standard error, so a stray print cannot corrupt a frame.
- Standard error is the browser's log: one line per notable event, never a traceback.
- The caller is checked first; a refused caller never makes the host contact the agent.
- Exit 0 when the browser closes standard input between messages (``disconnect()``, or the
  browser quitting); 1 when the input ends inside a message or something unexpected happens.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from native_host.framing import (
    EndOfInput,
    OversizedFrame,
    TruncatedFrame,
    encode_frame,
    read_frame,
    skip_frame_body,
)
from native_host.origin import NOBODY, AllowedIds, identify_caller, parse_allowed, refusal_message
from native_host.relay import Relay

TYPE_CHECKING = False  # typing costs start-up time; mypy still reads the imports below
if TYPE_CHECKING:
    from collections.abc import Mapping

CONFIG_VARIABLE = "BADGEKEEPER_HOST_CONFIG"
MAX_CONFIG_BYTES = 1024 * 1024
PREFIX = "badgekeeper native host: "


def complain(line: str) -> None:
    """One line to the browser's log. (No logging module: it costs start-up time.)"""
    with contextlib.suppress(OSError):  # nowhere left to say it
        os.write(2, (PREFIX + " ".join(line.split()) + "\n").encode("utf-8", "replace"))


class BrowserOutput:
    """Writes frames to the browser from any thread, one whole frame at a time."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor = descriptor
        self._lock = threading.Lock()
        self.broken = False

    def write(self, payload: bytes) -> None:
        frame = memoryview(encode_frame(payload))
        with self._lock:
            if self.broken:
                return
            try:
                while frame:
                    frame = frame[os.write(self._descriptor, frame) :]
            except OSError:
                self.broken = True  # the browser is gone; the input ends next


def builtin_ids_file() -> str:
    """The ids built into the package (``agent/install/extension_ids.json``), by path: reading
    it this way keeps every ``agent`` module out of the host's start-up."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(package_parent, "agent", "install", "extension_ids.json")


def load_allowed(environ: Mapping[str, str]) -> tuple[AllowedIds, str | None]:
    """The ids the host was installed for, or ``NOBODY`` and a sentence saying why."""
    path = environ.get(CONFIG_VARIABLE) or builtin_ids_file()
    try:
        with open(path, "rb") as handle:
            text = handle.read(MAX_CONFIG_BYTES).decode("utf-8")
        return parse_allowed(text), None
    except (OSError, ValueError) as exc:
        return NOBODY, (
            f"The native host's install record {path} cannot be read ({exc}). Run "
            "`badgekeeper install` again, then `badgekeeper doctor`."
        )


def _binary_stdio() -> int:
    """Take standard output over for frames; return its descriptor."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.setmode(0, os.O_BINARY)
        msvcrt.setmode(1, os.O_BINARY)
    out = os.dup(1)
    os.dup2(2, 1)
    return out


def serve(arguments: list[str], environ: Mapping[str, str], out_descriptor: int) -> int:
    """Relay between the browser (standard input, ``out_descriptor``) and the agent."""
    output = BrowserOutput(out_descriptor)
    allowed, problem = load_allowed(environ)
    caller = identify_caller(arguments)
    refusal = problem
    if refusal is None and (caller is None or not allowed.allows(caller)):
        refusal = refusal_message(caller)
    link = None
    if refusal is not None:
        complain(refusal)
        relay = Relay(output.write, None, refusal, complain=complain)
    else:
        # Only a host that will relay needs sockets, websockets and the agent's paths.
        from native_host.agent_link import AgentLink
        from native_host.locations import agent_locations

        relay = Relay(output.write, None, complain=complain)
        link = AgentLink(
            agent_locations(environ),
            environ,
            relay.from_agent,
            relay.agent_lost,
            complain=complain,
        )
        relay.attach(link)
        link.start()
    read = sys.stdin.buffer.read
    try:
        while True:
            try:
                frame = read_frame(read)
            except EndOfInput:
                return 0
            except OversizedFrame as exc:
                relay.too_large(exc.length)
                if not skip_frame_body(read, exc.length):
                    return 1
                continue
            except TruncatedFrame as exc:
                relay.truncated(str(exc))
                complain(f"the browser's message was cut short: {exc}")
                return 1
            relay.from_browser(frame)
    finally:
        if link is not None:
            link.close()


def main() -> int:
    try:
        out = _binary_stdio()
        return serve(sys.argv[1:], os.environ, out)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        complain(f"stopped by an unexpected error: {type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
