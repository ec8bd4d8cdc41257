"""Where Badgekeeper keeps things: platformdirs for app ``badgekeeper``, or all under
``BADGEKEEPER_HOME`` when it is set (tests, demos and checks always set it).

Rules:
- Every folder is created on first use with mode 0700 (the user's badges and tokens live here).
- The runtime folder holds the agent's socket; a Unix socket path is limited to about 104 bytes,
  so when ``BADGEKEEPER_HOME`` is long the socket goes to a private 0700 folder under the system
  temporary folder, named after a hash of the home (so the CLI and the agent agree on it).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "badgekeeper"
SOCKET_NAME = "agent.sock"
MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class Paths:
    """The folders of one Badgekeeper home."""

    data: Path
    config: Path
    cache: Path
    logs: Path
    runtime: Path

    @property
    def library_db(self) -> Path:
        return self.data / "library.sqlite3"

    @property
    def badge_files(self) -> Path:
        return self.data / "badges"

    @property
    def http_cache(self) -> Path:
        return self.cache / "http"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def token_file(self) -> Path:
        return self.runtime / "agent.token"

    @property
    def lock_file(self) -> Path:
        return self.runtime / "agent.lock"

    @property
    def socket(self) -> Path:
        candidate = self.runtime / SOCKET_NAME
        if len(os.fsencode(candidate)) <= MAX_SOCKET_PATH:
            return candidate
        digest = hashlib.sha256(os.fsencode(self.runtime)).hexdigest()[:16]
        uid = os.getuid() if hasattr(os, "getuid") else 0
        return Path(tempfile.gettempdir()) / f"badgekeeper-{uid}-{digest}" / SOCKET_NAME


def resolve_paths(environ: dict[str, str] | None = None) -> Paths:
    """The paths for this environment (``BADGEKEEPER_HOME`` first, then platformdirs)."""
    env = os.environ if environ is None else environ
    home = env.get("BADGEKEEPER_HOME")
    if home:
        root = Path(home).expanduser().absolute()
        return Paths(
            data=root / "data",
            config=root / "config",
            cache=root / "cache",
            logs=root / "logs",
            runtime=root / "run",
        )
    dirs = platformdirs.PlatformDirs(APP, appauthor=False)
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR platformdirs warns and falls back to a per-user /tmp folder,
        # which ensure_private_dir makes 0700 like any other: nothing for the user to do.
        warnings.simplefilter("ignore")
        runtime = Path(dirs.user_runtime_dir)
    return Paths(
        data=Path(dirs.user_data_dir),
        config=Path(dirs.user_config_dir),
        cache=Path(dirs.user_cache_dir),
        logs=Path(dirs.user_log_dir),
        runtime=runtime,
    )


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it 0700; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name != "nt":
        os.chmod(path, 0o700)
    return path
