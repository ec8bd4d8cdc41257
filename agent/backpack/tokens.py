"""The token file: backpack tokens and OAuth client secrets, 0600, replaced atomically.

Rules:
- One JSON file in the config folder (0700), mode 0600 from the moment it exists: it is
  written to a new 0600 file beside it, fsynced, then renamed over the old one (and the folder
  fsynced), so a crash leaves the old file or the new one, never half of one.
- Secrets never leave this module in text meant for people: ``repr`` hides them, and callers
  log backpack names only.
- A file that does not read (hand-edited, damaged) counts as empty: the user connects again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agent.paths import Paths, ensure_private_dir

log = logging.getLogger(__name__)

TOKEN_FILE = "backpack-tokens.json"  # noqa: S105 - a file name, not a secret
FORMAT_VERSION = 1
EXPIRY_MARGIN = 30.0  # refresh this many seconds before the backpack's stated expiry


@dataclass(frozen=True)
class Credentials:
    """What lets Badgekeeper act at one backpack: a token and the OAuth client it came from."""

    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None  # seconds since the epoch
    scope: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)

    @property
    def has_token(self) -> bool:
        return bool(self.access_token)

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at - EXPIRY_MARGIN

    def secret_values(self) -> list[str]:
        """Every secret value held, for redaction."""
        held = (self.access_token, self.refresh_token, self.client_secret)
        return [value for value in held if value]

    @classmethod
    def from_json(cls, value: Any) -> Credentials | None:
        if not isinstance(value, dict):
            return None
        expires = value.get("expires_at")
        return cls(
            access_token=_text(value.get("access_token")),
            refresh_token=_text(value.get("refresh_token")),
            expires_at=float(expires)
            if isinstance(expires, (int, float)) and not isinstance(expires, bool)
            else None,
            scope=_text(value.get("scope")),
            client_id=_text(value.get("client_id")),
            client_secret=_text(value.get("client_secret")),
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class TokenStore:
    """The token file of one home. Thread-safe; every change rewrites the file atomically."""

    def __init__(self, paths: Paths) -> None:
        self._folder = paths.config
        self.path = paths.config / TOKEN_FILE
        self._lock = threading.Lock()

    def get(self, name: str) -> Credentials | None:
        with self._lock:
            return self._read().get(name)

    def names(self) -> set[str]:
        with self._lock:
            return {name for name, creds in self._read().items() if creds.has_token}

    def put(self, name: str, credentials: Credentials) -> None:
        with self._lock:
            held = self._read()
            held[name] = credentials
            self._write(held)

    def drop(self, name: str) -> Credentials | None:
        """Forget a backpack's tokens and client; return what was held."""
        with self._lock:
            held = self._read()
            gone = held.pop(name, None)
            if gone is not None:
                self._write(held)
            return gone

    def _read(self) -> dict[str, Credentials]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("the backpack token file could not be read (%s)", exc.strerror)
            return {}
        if os.name != "nt":
            with contextlib.suppress(OSError):
                if self.path.stat().st_mode & 0o077:
                    os.chmod(self.path, 0o600)  # someone loosened it: tighten it again
        try:
            document = json.loads(text)
        except ValueError:
            log.warning("the backpack token file is not JSON; it counts as empty")
            return {}
        entries = document.get("backpacks") if isinstance(document, dict) else None
        if not isinstance(entries, dict):
            return {}
        held: dict[str, Credentials] = {}
        for name, value in entries.items():
            credentials = Credentials.from_json(value)
            if isinstance(name, str) and credentials is not None:
                held[name] = credentials
        return held

    def _write(self, held: dict[str, Credentials]) -> None:
        folder = ensure_private_dir(self._folder)
        document = {
            "version": FORMAT_VERSION,
            "backpacks": {name: asdict(creds) for name, creds in sorted(held.items())},
        }
        data = json.dumps(document, indent=2).encode("utf-8")
        temporary = folder / f".{TOKEN_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
