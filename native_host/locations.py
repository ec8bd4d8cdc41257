"""Where the host finds the agent: the same files ``agent.paths.resolve_paths`` names.

Rules:
- With ``BADGEKEEPER_HOME`` set (tests, demos, and launchers installed with it), the paths are
  computed here without pathlib or platformdirs, the two imports that cost the most at start-up.
  The strings must equal ``str()`` of agent.paths' ``Path`` objects, because the socket of a long
  home lives under a name hashed from the runtime folder's exact string: ``_posix_path`` does
  pathlib's normalisation (a test compares both on many homes).
- Without it, platformdirs is asked exactly as agent.paths asks it.
- On Windows pathlib is used as agent.paths uses it (the agent listens on TCP there; nothing is
  hashed).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing costs start-up time; mypy still reads the imports below
if TYPE_CHECKING:
    from collections.abc import Mapping

APP = "badgekeeper"
SOCKET_NAME = "agent.sock"
MAX_SOCKET_PATH = 100  # agent.paths.MAX_SOCKET_PATH


class AgentLocations:
    """The runtime folder (socket, token, Windows port file) and the logs folder, as strings."""

    __slots__ = ("logs", "runtime", "socket")

    def __init__(self, runtime: str, logs: str, socket: str) -> None:
        self.runtime = runtime
        self.logs = logs
        self.socket = socket

    @property
    def token_file(self) -> str:
        return os.path.join(self.runtime, "agent.token")

    @property
    def port_file(self) -> str:
        return os.path.join(self.runtime, "agent.port")


def agent_locations(environ: Mapping[str, str]) -> AgentLocations:
    """The agent's locations for this environment (``BADGEKEEPER_HOME`` first)."""
    home = environ.get("BADGEKEEPER_HOME")
    if os.name == "nt":
        return _windows_locations(environ)
    if home:
        root = _absolute(home)
        runtime = _join(root, "run")
        logs = _join(root, "logs")
    else:
        runtime, logs = _platform_dirs()
    return AgentLocations(runtime, logs, _socket_path(runtime))


def _posix_path(text: str) -> str:
    """``str(PurePosixPath(text))``: no empty or ``.`` parts; ``//`` kept only as exactly two."""
    parts = [part for part in text.split("/") if part and part != "."]
    root = ""
    if text.startswith("/"):
        root = "//" if text.startswith("//") and not text.startswith("///") else "/"
    if not parts:
        return root or "."
    return root + "/".join(parts)


def _join(base: str, name: str) -> str:
    return base + name if base.endswith("/") else f"{base}/{name}"


def _absolute(home: str) -> str:
    """``str(Path(home).expanduser().absolute())`` on POSIX."""
    path = _posix_path(home)
    if path.startswith("~"):
        first, _, rest = path.partition("/")
        expanded = os.path.expanduser(first)
        if expanded.startswith("~"):
            raise ValueError("the home folder in BADGEKEEPER_HOME cannot be determined")
        path = _posix_path(f"{expanded}/{rest}" if rest else expanded)
    if not path.startswith("/"):
        path = _posix_path(f"{os.getcwd()}/{path}")
    return path


def _socket_path(runtime: str) -> str:
    candidate = _join(runtime, SOCKET_NAME)
    if len(os.fsencode(candidate)) <= MAX_SOCKET_PATH:
        return candidate
    # Rare (a long home): these imports are paid only here.
    import hashlib
    import tempfile

    digest = hashlib.sha256(os.fsencode(runtime)).hexdigest()[:16]
    folder = _join(_posix_path(tempfile.gettempdir()), f"badgekeeper-{os.getuid()}-{digest}")
    return _join(folder, SOCKET_NAME)


def _platform_dirs() -> tuple[str, str]:
    import warnings

    import platformdirs

    dirs = platformdirs.PlatformDirs(APP, appauthor=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as agent.paths: the /tmp fallback is fine
        runtime = dirs.user_runtime_dir
    return _posix_path(runtime), _posix_path(dirs.user_log_dir)


def _windows_locations(environ: Mapping[str, str]) -> AgentLocations:
    from pathlib import Path

    home = environ.get("BADGEKEEPER_HOME")
    if home:
        root = Path(home).expanduser().absolute()
        runtime, logs = root / "run", root / "logs"
    else:
        import warnings

        import platformdirs

        dirs = platformdirs.PlatformDirs(APP, appauthor=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            runtime = Path(dirs.user_runtime_dir)
        logs = Path(dirs.user_log_dir)
    return AgentLocations(str(runtime), str(logs), str(runtime / SOCKET_NAME))
