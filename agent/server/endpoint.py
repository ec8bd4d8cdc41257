"""Where the agent listens: a Unix socket in a private folder, or loopback TCP on Windows.

Rules:
- The socket's folder is 0700 and must be ours: a folder another user made (say under /tmp,
  where a long home puts the socket) is refused, never used.
- The socket is bound, made 0600, and only then listened on, so no one connects before its
  mode is right.
- A file left at the socket's path by a crashed agent is removed only while we hold the
  single-instance lock, and only if it is a socket.
- On Windows the agent binds 127.0.0.1 on a free port and writes the port to a 0600 file
  beside the token; the handshake then checks the ``Host`` header (``auth``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent.errors import BadgekeeperError, ErrorCode
from agent.paths import Paths, ensure_private_dir
from agent.server.auth import LOOPBACK
from agent.server.lock import InstanceLock
from agent.server.runtime_files import port_file, write_port

Transport = Literal["unix", "tcp"]
BACKLOG = 128


def default_transport() -> Transport:
    return "tcp" if os.name == "nt" or not hasattr(socket, "AF_UNIX") else "unix"


@dataclass
class Endpoint:
    """A bound, not yet listening, server socket and how clients find it."""

    transport: Transport
    sock: socket.socket
    path: Path | None = None
    port: int | None = None

    def describe(self) -> str:
        return str(self.path) if self.path is not None else f"{LOOPBACK}:{self.port}"


def _unavailable(message: str) -> BadgekeeperError:
    return BadgekeeperError(ErrorCode.AGENT_UNAVAILABLE, message)


def prepare_socket_dir(path: Path) -> None:
    """Create the socket's folder 0700; refuse one that is not a private folder of ours."""
    try:
        ensure_private_dir(path)
        info = os.lstat(path)
    except OSError as exc:
        raise _unavailable(
            f"The folder {path} for the agent's socket cannot be made private ({exc.strerror}). "
            "Remove it and start the agent again."
        ) from exc
    if os.name == "nt":
        return
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        raise _unavailable(
            f"The folder {path} for the agent's socket is not a private folder of yours. "
            "Remove it and start the agent again."
        )


def remove_stale_socket(path: Path, lock: InstanceLock) -> None:
    """Remove a socket file a crashed agent left behind (only while holding the lock)."""
    if not lock.held:
        raise RuntimeError("a stale socket may be removed only under the instance lock")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise _unavailable(
            f"{path} exists and is not the agent's socket. Move it away and start the agent again."
        )
    path.unlink()


def bind_unix(paths: Paths, lock: InstanceLock) -> Endpoint:
    path = paths.socket
    prepare_socket_dir(path.parent)
    remove_stale_socket(path, lock)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(os.fspath(path))
        os.chmod(path, 0o600)
    except OSError as exc:
        sock.close()
        raise _unavailable(f"The agent could not listen on {path} ({exc.strerror}).") from exc
    return Endpoint("unix", sock, path=path)


def bind_tcp(paths: Paths) -> Endpoint:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        exclusive = getattr(socket, "SO_EXCLUSIVEADDRUSE", None)  # Windows: no port sharing
        if exclusive is not None:
            sock.setsockopt(socket.SOL_SOCKET, exclusive, 1)
        sock.bind((LOOPBACK, 0))
        port = int(sock.getsockname()[1])
        write_port(paths, port)
    except OSError as exc:
        sock.close()
        raise _unavailable(f"The agent could not listen on {LOOPBACK} ({exc.strerror}).") from exc
    return Endpoint("tcp", sock, port=port)


def bind_endpoint(paths: Paths, lock: InstanceLock, transport: Transport) -> Endpoint:
    """Bind where this platform's clients look for the agent."""
    return bind_unix(paths, lock) if transport == "unix" else bind_tcp(paths)


def release_endpoint(endpoint: Endpoint, paths: Paths) -> None:
    """Close the socket and remove what pointed clients at it."""
    endpoint.sock.close()
    stale = endpoint.path if endpoint.path is not None else port_file(paths)
    with contextlib.suppress(FileNotFoundError):
        stale.unlink()
