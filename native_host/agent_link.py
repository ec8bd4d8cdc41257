"""The host's one connection to the agent: opened at start, opened again whenever it is lost.

Rules:
- A supervisor thread owns the connection. It connects (starting the agent when needed, see
  below: ``python -m agent.cli serve --idle-exit 600 --detach``, as ``agent.client`` does,
  its standard error appended to ``agent-start.log``), then hands every message the agent
  sends to ``on_message``. When the connection is lost it calls ``on_lost(generation)`` and
  looks for the agent again at once, briefly (an agent restarted by someone else is found and
  events keep flowing); while the agent stays unreachable it backs off (1 s doubling to 30 s),
  waking early when a request is waiting. A failing ``on_message`` never stops the link.
- The agent is started when nothing listens and it is wanted: when the host starts (the
  browser just opened the port) or when a request waits. An agent that went away is not
  restarted merely because it went away: someone may have stopped it on purpose.
- Two hosts starting the agent at the same moment is fine: the second agent finds the lock
  taken and exits 0, and both hosts simply keep trying to connect until the connect window
  (``CONNECT_WINDOW``) passes.
- Every connection has a generation number, so replies owed by a lost connection are never
  confused with those of the next one.
- ``connection(timeout)`` gives a sender the open connection, waiting for one (and asking for an
  immediate attempt) at most ``timeout`` seconds; otherwise ``LinkDown`` with the reason.
- A refused token (HTTP 401) is final unless the token file changed meanwhile (the agent
  restarted); a refused handshake (403) is final; a busy agent (503) is retried.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

from native_host.errors import AGENT_BUSY, ORIGIN_REFUSED, UNAUTHORIZED, LinkDown
from native_host.framing import MAX_INCOMING
from native_host.websocket import ConnectionLost, HandshakeRefused, WebSocket

TYPE_CHECKING = False  # typing costs start-up time; mypy still reads the imports below
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Mapping

    from native_host.locations import AgentLocations

CONNECT_WINDOW = 10.0
REWATCH_WINDOW = 2.0  # looking for an agent that went away, unasked
HANDSHAKE_TIMEOUT = 5.0
RETRY_FIRST, RETRY_MAX = 0.01, 0.1
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0
AUTOSTART_IDLE_EXIT = 600  # agent.client.AUTOSTART_IDLE_EXIT
START_LOG = "agent-start.log"
MAX_RUNTIME_FILE_CHARS = 200
LOOPBACK = "127.0.0.1"
HOST_ONLY_VARIABLES = ("BADGEKEEPER_HOST_CONFIG",)


class Connection:
    """One open connection and its generation number."""

    __slots__ = ("_ws", "generation")

    def __init__(self, generation: int, ws: WebSocket) -> None:
        self.generation = generation
        self._ws = ws

    def send(self, payload: bytes) -> None:
        """Send one message; ``LinkDown`` when the connection broke."""
        try:
            self._ws.send_text(payload)
        except ConnectionLost as exc:
            raise LinkDown(f"The connection to the agent broke ({exc.reason}).") from exc

    def close(self) -> None:
        self._ws.close()


class _Absent(Exception):
    """Nothing listens where the agent would: starting it may help."""


def _read_small(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(MAX_RUNTIME_FILE_CHARS + 1).strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if text and len(text) <= MAX_RUNTIME_FILE_CHARS else None


class AgentLink:
    """Keeps a connection to the agent open while the host runs."""

    def __init__(
        self,
        locations: AgentLocations,
        environ: Mapping[str, str],
        on_message: Callable[[bytes], None],
        on_lost: Callable[[int], None],
        *,
        autostart: bool = True,
        connect_window: float = CONNECT_WINDOW,
        complain: Callable[[str], None] = lambda line: None,
    ) -> None:
        self._locations = locations
        self._environ = environ
        self._on_message = on_message
        self._on_lost = on_lost
        self._autostart = autostart
        self._connect_window = connect_window
        self._complain = complain
        self._state = threading.Condition()
        self._current: Connection | None = None
        self._failure: LinkDown | None = None
        self._attempts = 0
        self._generation = 0
        self._wanted = False
        self._attempt_wanted = False  # the attempt under way serves a request (or the start)
        self._closing = False
        self._launchers: list[subprocess.Popen[bytes]] = []
        self._thread = threading.Thread(target=self._supervise, name="agent-link", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def connection(self, timeout: float) -> Connection:
        """The open connection, waiting up to ``timeout`` s for one; else ``LinkDown``."""
        deadline = time.monotonic() + timeout
        with self._state:
            seen = self._attempts
            while True:
                current = self._current
                if current is not None:
                    return current
                if not self._wanted:
                    self._wanted = True  # wakes a supervisor backing off
                    self._state.notify_all()
                if self._closing:
                    raise LinkDown("The native host is closing.")
                if self._attempts > seen and self._failure is not None:
                    raise self._failure
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._failure or LinkDown(
                        f"The Badgekeeper agent did not answer within {timeout:g} s. Run "
                        "`badgekeeper doctor` to see why."
                    )
                self._state.wait(remaining)

    def close(self) -> None:
        """Stop reconnecting and close the connection."""
        with self._state:
            self._closing = True
            current = self._current
            self._state.notify_all()
        if current is not None:
            current.close()
        if self._thread.is_alive():
            self._thread.join(2.0)
        for launcher in self._launchers:
            launcher.poll()  # reap a launcher that has exited (it forks the agent and leaves)

    def _is_closing(self) -> bool:
        return self._closing  # read afresh: another thread sets it

    def _is_wanted(self) -> bool:
        with self._state:
            return self._wanted

    # -- the supervisor thread --

    def _supervise(self) -> None:
        backoff = BACKOFF_FIRST
        initial = True  # the browser just opened the port: it wants the agent now
        while not self._closing:
            try:
                ws = self._connect(initial)
            except LinkDown as exc:
                with self._state:
                    self._failure = exc
                    if self._attempt_wanted or not self._wanted:
                        self._attempts += 1
                        self._wanted = False  # the waiting requests get this failure
                        self._state.notify_all()
                    # else a request came just as an unasked attempt gave up: retry at once
                    self._state.wait_for(lambda: self._wanted or self._closing, backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            finally:
                initial = False
            backoff = BACKOFF_FIRST
            with self._state:
                self._generation += 1
                generation = self._generation
                self._current = Connection(generation, ws)
                self._failure = None
                self._attempts += 1
                self._wanted = False
                self._state.notify_all()
                closing = self._is_closing()
            if closing:
                ws.close()
            lost = self._pump(ws)
            with self._state:
                self._current = None
                self._failure = LinkDown(
                    f"The connection to the agent was lost ({lost.reason}). Send the request "
                    "again; the agent starts when it is needed."
                )
            self._on_lost(generation)

    def _pump(self, ws: WebSocket) -> ConnectionLost:
        while True:
            try:
                data = ws.receive()
            except ConnectionLost as exc:
                return exc
            try:
                self._on_message(data)
            except Exception as exc:  # a bug in relaying one message must not end the link
                self._complain(f"a message from the agent was dropped ({type(exc).__name__})")

    def _connect(self, initial: bool) -> WebSocket:
        """Connect within the window; start the agent if nothing listens and it is wanted
        (at the host's start, or by a waiting request; not merely because it went away).

        Looking again for an agent that went away, unasked, takes a short window (it may be
        restarting); once a request waits, the full window applies.
        """
        self._attempt_wanted = initial
        window = self._connect_window if initial else min(REWATCH_WINDOW, self._connect_window)
        deadline = time.monotonic() + window
        delay = RETRY_FIRST
        started = False
        while True:
            if self._closing:
                raise LinkDown("The native host is closing.")
            if not self._attempt_wanted and self._is_wanted():
                self._attempt_wanted = True
                deadline = max(deadline, time.monotonic() + self._connect_window)
            try:
                return self._open_once()
            except _Absent:
                if self._autostart and not started and self._attempt_wanted:
                    self._start_agent()
                    started = True
                last = LinkDown("The Badgekeeper agent is not running.")
            except LinkDown as exc:
                if exc.final:
                    raise
                last = exc
            if time.monotonic() + delay >= deadline:
                raise self._gave_up(last, started)
            time.sleep(delay)
            delay = min(delay * 1.5, RETRY_MAX)

    def _gave_up(self, last: LinkDown, started: bool) -> LinkDown:
        if last.name != "AGENT_UNAVAILABLE":
            return last
        log = os.path.join(self._locations.logs, START_LOG)
        began = " It was started but did not answer;" if started else ""
        return LinkDown(
            f"The Badgekeeper agent did not answer within {self._connect_window:g} s.{began} "
            f"see {log}, or run `badgekeeper serve` in a terminal to see why."
        )

    def _open_once(self) -> WebSocket:
        token = _read_small(self._locations.token_file)
        if token is None:
            raise _Absent
        sock, host = self._dial()
        try:
            return WebSocket.open(
                sock, host=host, token=token, timeout=HANDSHAKE_TIMEOUT, max_message=MAX_INCOMING
            )
        except HandshakeRefused as exc:
            raise self._refused(exc.status, token) from None
        except (ConnectionLost, OSError) as exc:
            raise LinkDown(f"The agent did not complete the connection ({exc}).") from None

    def _dial(self) -> tuple[socket.socket, str]:
        """A connected socket to the agent and the ``Host`` to name in the handshake."""
        if os.name == "nt" or not hasattr(socket, "AF_UNIX"):
            port_text = _read_small(self._locations.port_file)
            if port_text is None or not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise _Absent
            try:
                sock = socket.create_connection((LOOPBACK, int(port_text)), HANDSHAKE_TIMEOUT)
            except ConnectionRefusedError:
                raise _Absent from None
            except OSError as exc:
                raise LinkDown(f"The agent did not answer ({exc.strerror}).") from None
            return sock, f"{LOOPBACK}:{port_text}"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self._locations.socket)
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            raise _Absent from None
        except OSError as exc:
            sock.close()
            raise LinkDown(f"The agent did not answer ({exc.strerror}).") from None
        return sock, "localhost"

    def _refused(self, status: int, token: str) -> LinkDown:
        if status == 401:
            # A token read just before the agent restarted is stale: worth another try.
            changed = _read_small(self._locations.token_file) != token
            return LinkDown(
                "The agent refused the host's token. Restart the agent "
                "(`badgekeeper serve`), or run `badgekeeper doctor`.",
                UNAUTHORIZED,
                final=not changed,
            )
        if status == 403:
            return LinkDown(
                "The agent refused the native host's connection.", ORIGIN_REFUSED, final=True
            )
        if status == 503:
            return LinkDown("The agent is busy or stopping. Try again in a moment.", AGENT_BUSY)
        return LinkDown(f"The agent refused the connection (HTTP {status}).", final=True)

    def _start_agent(self) -> None:
        """Start a detached agent for this host's home; errors are left to the retries."""
        import subprocess

        env = {k: v for k, v in self._environ.items() if k not in HOST_ONLY_VARIABLES}
        argv = [sys.executable, "-m", "agent.cli", "serve", "--idle-exit", str(AUTOSTART_IDLE_EXIT)]
        windows = os.name == "nt"
        flags = 0
        if windows:
            flags = (
                getattr(subprocess, "DETACHED_PROCESS", 0)
                | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
                | getattr(subprocess, "CREATE_NO_WINDOW", 0)
            )
        else:
            argv.append("--detach")  # it forks the agent and exits; close() reaps it
        try:
            os.makedirs(self._locations.logs, mode=0o700, exist_ok=True)
            descriptor = os.open(
                os.path.join(self._locations.logs, START_LOG),
                os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                0o600,
            )
        except OSError:
            descriptor = -1
        try:
            self._launchers.append(
                subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=descriptor if descriptor >= 0 else subprocess.DEVNULL,
                    env=env,
                    close_fds=True,
                    creationflags=flags,
                    start_new_session=not windows,
                )
            )
        except OSError:
            pass  # the retries then end in AGENT_UNAVAILABLE, naming the log
        finally:
            if descriptor >= 0:
                os.close(descriptor)
