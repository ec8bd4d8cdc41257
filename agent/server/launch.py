"""Starting a detached agent for a home, as clients do when nothing answers.

Rules:
- The agent is started as ``python -m agent.cli serve --idle-exit 600``, in a new session, with
  no terminal; its standard error goes to ``agent-start.log`` (0600) in the logs folder.
- On POSIX it is started with ``--detach``: the started process forks the agent and exits at
  once, so the client has nothing left to reap however long it lives.
- The new agent gets the environment that makes it serve the very same paths.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from typing import Any

from agent.errors import BadgekeeperError, ErrorCode
from agent.paths import Paths, ensure_private_dir, resolve_paths

log = logging.getLogger(__name__)

AUTOSTART_IDLE_EXIT = 600
START_LOG = "agent-start.log"


def agent_environment(paths: Paths) -> dict[str, str]:
    """The environment that makes a new agent serve ``paths``."""
    env = dict(os.environ)
    if paths == resolve_paths(env):
        return env
    home = paths.data.parent
    if paths == resolve_paths({"BADGEKEEPER_HOME": str(home)}):
        env["BADGEKEEPER_HOME"] = str(home)
        return env
    raise BadgekeeperError(
        ErrorCode.AGENT_UNAVAILABLE,
        "Badgekeeper cannot start an agent for these folders. Start it with `badgekeeper serve`.",
    )


def start_agent(paths: Paths) -> subprocess.Popen[bytes]:
    """Start a detached agent for ``paths``, its standard error going to a log file."""
    env = agent_environment(paths)
    argv = [sys.executable, "-m", "agent.cli", "serve", "--idle-exit", str(AUTOSTART_IDLE_EXIT)]
    options: dict[str, Any] = {}
    if os.name == "nt":
        options["creationflags"] = (
            getattr(subprocess, "DETACHED_PROCESS", 0)
            | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
            | getattr(subprocess, "CREATE_NO_WINDOW", 0)
        )
    else:
        # The started process forks the agent and exits at once: nothing is left to reap.
        argv.append("--detach")
        options["start_new_session"] = True
    log_path = ensure_private_dir(paths.logs) / START_LOG
    descriptor = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        log.info("starting the agent")
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=descriptor,
            env=env,
            close_fds=True,
            **options,
        )
    except OSError as exc:
        raise BadgekeeperError(
            ErrorCode.AGENT_UNAVAILABLE, f"The agent could not be started ({exc.strerror})."
        ) from exc
    finally:
        os.close(descriptor)


async def reap_launcher(launcher: subprocess.Popen[bytes]) -> None:
    """Collect the launcher's exit status (it exits right after forking the agent)."""
    if os.name == "nt":
        return  # there the launched process is the agent itself, and nothing needs reaping
    for _ in range(100):
        if launcher.poll() is not None:
            return
        await asyncio.sleep(0.05)
    log.warning("the agent's launcher (pid %d) has not exited", launcher.pid)
