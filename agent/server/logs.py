"""The agent's log: a rotating file in ``Paths.logs`` (1 MB × 3), secrets redacted.

Rules:
- Log lines name methods, badge ids, timings and outcomes; never a token, a payload or image
  bytes (the handlers and the session log only those).
- As a last guard, every formatted line (tracebacks included) has the registered secrets
  replaced, so a token that slipped into a message still never reaches the file.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os

from agent.paths import Paths, ensure_private_dir

LOG_NAME = "agent.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """A formatter that blanks out registered secrets in the finished line."""

    def __init__(self, fmt: str) -> None:
        super().__init__(fmt)
        self._secrets: set[str] = set()

    def add_secret(self, secret: str) -> None:
        if secret:
            self._secrets.add(secret)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self._secrets:
            line = line.replace(secret, "[redacted]")
        return line


def setup_agent_logging(paths: Paths, level: str) -> RedactingFormatter:
    """Add the rotating file handler at ``level``; return its formatter to register secrets."""
    folder = ensure_private_dir(paths.logs)
    path = folder / LOG_NAME
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    formatter = RedactingFormatter(FORMAT)
    handler.setFormatter(formatter)
    numeric = logging.getLevelName(level)
    handler.setLevel(numeric)
    root = logging.getLogger()
    for existing in root.handlers:
        # Handlers already there (the CLI's standard error) keep the level they were set up at.
        if existing.level == logging.NOTSET:
            existing.setLevel(root.level)
    root.addHandler(handler)
    root.setLevel(min(root.level, numeric))
    # websockets logs every handshake at INFO; its own DEBUG is per frame.
    logging.getLogger("websockets").setLevel(max(numeric, logging.INFO))
    return formatter
