"""Where the time of one ``badgekeeper verify`` of the batch goes: start-up, imports, hot spots.

Rules:
- Start-up figures are wall times of fresh interpreters (medians of interleaved repeats):
  ``python -c pass``, ``import aiohttp`` (the HTTP library every verification needs),
  ``import agent.cli`` (what every ``badgekeeper`` command imports before it parses its
  arguments) and ``badgekeeper --version``.
- ``-X importtime`` names the modules ``agent.cli`` imports, with their cumulative cost. A module
  shared by several (aiohttp) is charged to the first that imports it.
- One ``verify`` run (or another command: :func:`cli_hotspots`) under cProfile gives the
  functions of Badgekeeper's own code (``agent/``) that take the most cumulative time, import
  machinery and the command's wrappers left out.
  cProfile slows the run down; its shares are what to read, not its absolute times.
"""

from __future__ import annotations

import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.model import Table
from bench.ours import REPO_ROOT, cli_command

IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s+)(\S+)$")
SKIPPED_FUNCTIONS = (
    "agent/cli/__init__.py",
    "agent/cli/__main__.py",
    "verify_command.py",
    "sync_commands.py",
)


@dataclass(frozen=True)
class Hotspot:
    where: str  # module:line(function), relative to the repository
    seconds: float  # cumulative, under the profiler
    share: float  # of the whole profiled run


def _wall(command: Sequence[str], env: Mapping[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def startup_times(rounds: int) -> dict[str, list[float]]:
    """Seconds of each start-up case, ``rounds`` times each, interleaved."""
    env = {**os.environ}
    python = sys.executable
    cases = {
        "interpreter start (`python -c pass`)": [python, "-c", "pass"],
        "`import aiohttp` (the HTTP client verify uses)": [python, "-c", "import aiohttp"],
        "`import agent.cli` (every command's modules)": [python, "-c", "import agent.cli"],
        "`badgekeeper --version`": [*cli_command(), "--version"],
    }
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(rounds):
        for label, command in cases.items():
            times[label].append(_wall(command, env))
    return times


def cli_imports(minimum_ms: float = 5.0) -> list[tuple[str, float]]:
    """The modules ``import agent.cli`` imports directly, costing ≥ ``minimum_ms`` (cumulative)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import agent.cli"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    found: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        # Depth 1 under agent.cli: two spaces of indentation in importtime's tree.
        if match and len(match.group(3)) == 3 and match.group(4).startswith("agent."):
            cumulative_ms = int(match.group(2)) / 1000
            if cumulative_ms >= minimum_ms:
                found.append((match.group(4), cumulative_ms))
    return sorted(found, key=lambda item: -item[1])


def profile_cli(args: Sequence[str], env: Mapping[str, str], home: Path | None = None) -> Profile:
    """One ``badgekeeper ARGS`` run under cProfile, in ``home`` (else a fresh one).

    cProfile follows the main thread only (the event loop's).
    """
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as folder:
        output = Path(folder) / "run.prof"
        subprocess.run(
            [sys.executable, "-m", "cProfile", "-o", str(output), "-m", "agent.cli", *args],
            cwd=REPO_ROOT,
            env={**os.environ, "BADGEKEEPER_HOME": str(home or Path(folder) / "home"), **env},
            capture_output=True,
            check=False,
        )
        table = pstats.Stats(str(output)).stats  # type: ignore[attr-defined]  # untyped in pstats
    return Profile(table, max(cumulative for _, _, _, cumulative, _ in table.values()))


@dataclass(frozen=True)
class Profile:
    """pstats' table ``{(file, line, function): (calls, primitive, own, cumulative, callers)}``."""

    table: dict[tuple[str, int, str], tuple[Any, ...]]
    whole: float  # seconds of the whole profiled run

    def agent_hotspots(self, top: int = 8) -> list[Hotspot]:
        """The agent/ functions with the most cumulative time (imports and wrappers left out)."""
        agent_dir = str(REPO_ROOT / "agent") + os.sep
        ranked = sorted(self.table.items(), key=lambda item: -item[1][3])
        listed: dict[tuple[str, int, str], float] = {}
        spots = []
        for key, (_, _, _, cumulative, callers) in ranked:
            filename, line, function = key
            if not filename.startswith(agent_dir) or filename.endswith(SKIPPED_FUNCTIONS):
                continue
            if function == "<module>":  # a module's import, counted in the start-up figures
                continue
            # A callee that takes nearly all of a listed caller's time says nothing new.
            if any(cumulative >= 0.9 * listed[caller] for caller in callers if caller in listed):
                listed[key] = cumulative
                continue
            listed[key] = cumulative
            where = f"{os.path.relpath(filename, REPO_ROOT)}:{line}({function})"
            spots.append(Hotspot(where, cumulative, cumulative / self.whole))
            if len(spots) == top:
                break
        return spots

    def own_time_hotspots(self, top: int = 10) -> list[Hotspot]:
        """Any function (ours, a library's, a system call) by the time spent in its own body."""
        ranked = sorted(self.table.items(), key=lambda item: -item[1][2])[:top]
        return [
            Hotspot(_where(filename, line, function), own, own / self.whole)
            for (filename, line, function), (_, _, own, _, _) in ranked
        ]


STDLIB_FILE = re.compile(r"python3\.\d+/(.+)$")


def _where(filename: str, line: int, function: str) -> str:
    """``file:line(function)`` with the file relative to the repository, site-packages or stdlib."""
    if filename == "~":  # a built-in: pstats names it in the function field
        return function
    packages = "site-packages" + os.sep
    stdlib = STDLIB_FILE.search(filename)
    if packages in filename:
        filename = filename.split(packages, 1)[1]
    elif filename.startswith(str(REPO_ROOT) + os.sep):
        filename = os.path.relpath(filename, REPO_ROOT)
    elif stdlib is not None:
        filename = stdlib.group(1)
    return f"{filename}:{line}({function})"


def cli_hotspots(
    args: Sequence[str], env: Mapping[str, str], top: int = 8
) -> tuple[float, list[Hotspot]]:
    """One ``badgekeeper ARGS`` run under cProfile: its profiled seconds, its agent/ hot spots."""
    profile = profile_cli(args, env)
    return profile.whole, profile.agent_hotspots(top)


def medians_ms(times: dict[str, list[float]]) -> dict[str, float]:
    return {label: statistics.median(values) * 1000 for label, values in times.items()}


def breakdown_tables(
    verify_args: Sequence[str], env: Mapping[str, str], rounds: int
) -> tuple[list[Table], list[str]]:
    """The start-up table, the import table and the hot spots, as RESULTS.md tables."""
    starts = medians_ms(startup_times(rounds))
    tables = [
        Table(
            ("start-up case", "median"),
            tuple((label, f"{ms:.0f} ms") for label, ms in starts.items()),
            in_summary=False,
            title=f"Where the start-up goes (fresh interpreters, median of {rounds})",
        ),
        Table(
            ("module imported by `agent.cli`", "cumulative import time"),
            tuple((f"`{name}`", f"{ms:.0f} ms") for name, ms in cli_imports()),
            in_summary=False,
            title="What `import agent.cli` imports (`-X importtime`, one run, ≥ 5 ms)",
        ),
    ]
    whole, spots = cli_hotspots(verify_args, env)
    tables.append(
        Table(
            ("function (agent/)", "cumulative", "share of the run"),
            tuple((f"`{s.where}`", f"{s.seconds * 1000:.0f} ms", f"{s.share:.0%}") for s in spots),
            in_summary=False,
            title=f"Hot spots of one `verify` run under cProfile ({whole:.2f} s profiled)",
        )
    )
    notes = [
        "Start-up and profile: `python -m bench --only batch` reruns them; cProfile slows the "
        "run, so read its shares; coroutine time is charged to each function it awaits in."
    ]
    return tables, notes
