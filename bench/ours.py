"""Badgekeeper's side: find out what exists yet, run the CLI as a child, import the in-process API.

Rules:
- Badgekeeper is written while these benchmarks are; anything not importable yet is reported
  as "not yet measured" with the import error, never as a crash of the harness.
- The CLI runs as one child process per measurement (the console script beside this Python, or
  ``python -m agent.cli``), with ``BADGEKEEPER_HOME`` in a fresh temporary folder; its wall time
  is taken around ``wait4``, its peak resident memory is its own VmHWM, followed every 2 ms
  (``ru_maxrss`` would include the harness's size: Linux carries it over fork and exec).
- Badgekeeper's sources are byte-compiled before anything is measured (:func:`precompile`), as
  ``pip install`` compiles an installed package and as the anchors' venvs are: with
  ``PYTHONDONTWRITEBYTECODE`` set, an editable install would otherwise recompile every module
  at every start, a cost no user pays.
"""

from __future__ import annotations

import compileall
import importlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.model import Missing
from bench.runners.protocol import vm_hwm_bytes

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EVERY_S = 0.002


def precompile() -> bool:
    """Byte-compile Badgekeeper's packages (``__pycache__``, git-ignored); True if all did."""
    return all(
        compileall.compile_dir(REPO_ROOT / package, quiet=1, workers=1)
        for package in ("agent", "native_host")
    )


def load(module: str, *names: str) -> list[Any] | Missing:
    """The named attributes of ``module``, or why they cannot be had yet."""
    try:
        imported = importlib.import_module(module)
        return [getattr(imported, name) for name in names]
    except (ImportError, AttributeError) as exc:
        return Missing(
            f"not yet measured: `{module}` ({', '.join(names)}) is not there yet ({exc})"
        )
    except Exception as exc:  # a half-written module must not stop the other benchmarks
        return Missing(f"not measured: importing `{module}` failed: {exc!r}")


def version() -> str:
    """Badgekeeper's version and the commit it was measured at."""
    try:
        import agent

        number = str(agent.__version__)
    except Exception:
        number = "?"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "agent", "native_host"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return number
    return f"{number} (commit {commit}{', with uncommitted changes' if dirty else ''})"


def cli_command() -> list[str]:
    """How to start the ``badgekeeper`` command with this interpreter's packages."""
    script = Path(sys.executable).with_name("badgekeeper")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "agent.cli"]


def cli_missing() -> Missing | None:
    """Why ``badgekeeper verify`` cannot be run yet, or None when it can."""
    found = load("agent.cli", "main")
    if isinstance(found, Missing):
        return found
    probe = subprocess.run(
        [*cli_command(), "verify", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if probe.returncode != 0 or "--json" not in probe.stdout:
        return Missing("not yet measured: `badgekeeper verify --json` is not available yet")
    return None


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    max_rss_bytes: int


class PeakSampler:
    """Follows a child's VmHWM (monotonic) every few milliseconds until it exits."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            value = vm_hwm_bytes(self.pid)
            if value is not None:
                self.peak = max(self.peak or 0, value)

    def stop(self) -> int | None:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_cli(args: Sequence[str], env: Mapping[str, str], timeout: float = 300) -> CliRun:
    """Run ``badgekeeper ARGS`` once; measure its wall time and its own peak RSS."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-cli-") as home,
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        child_env = {**os.environ, "BADGEKEEPER_HOME": home, **env}
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*cli_command(), *args], cwd=REPO_ROOT, env=child_env, stdout=out, stderr=err
        )
        sampler = PeakSampler(proc.pid)
        # Block in wait4 for an exact wall time; a timer kills a hung child.
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - start
        peak = sampler.stop()
        if peak is None:  # no /proc: ru_maxrss, which may include the harness's own size
            peak = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return CliRun(proc.returncode, out.read(), err.read(), wall, int(peak))
