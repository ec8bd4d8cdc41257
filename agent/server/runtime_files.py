"""The files in the runtime folder that let a client reach the agent: the token and, on
Windows, the TCP port.

Rules:
- Written atomically (a 0600 temporary file beside it, fsynced, then ``os.replace``): a reader
  sees the old file or the new one, never half of one, and never a file others can read.
- The token is regenerated at every start and never logged.
- Reading never raises for a missing or unreadable file: the client then treats the agent as
  not running.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from agent.paths import Paths, ensure_private_dir

TOKEN_BYTES = 32
MAX_FILE_CHARS = 200


def port_file(paths: Paths) -> Path:
    """Where the Windows agent writes its loopback port (next to the token)."""
    return paths.runtime / "agent.port"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def write_private_file(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``, atomically, readable by its owner only."""
    ensure_private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _read_small(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8") as handle:
            text = handle.read(MAX_FILE_CHARS + 1)
    except (OSError, UnicodeDecodeError):
        return None
    text = text.strip()
    return text if text and len(text) <= MAX_FILE_CHARS else None


def write_token(paths: Paths, token: str) -> None:
    write_private_file(paths.token_file, token + "\n")


def read_token(paths: Paths) -> str | None:
    return _read_small(paths.token_file)


def write_port(paths: Paths, port: int) -> None:
    write_private_file(port_file(paths), f"{port}\n")


def read_port(paths: Paths) -> int | None:
    text = _read_small(port_file(paths))
    if text is None or not text.isdigit():
        return None
    port = int(text)
    return port if 0 < port < 65536 else None


def remove_runtime_files(paths: Paths) -> None:
    """Forget the token and port of an agent that stopped (a missing file is fine)."""
    for path in (paths.token_file, port_file(paths)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
