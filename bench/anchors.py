"""The anchors: install each into its own virtualenv under bench/.anchors/, and talk to it.

Rules:
- Nothing is ever installed into the project's .venv. Each anchor gets a venv made from the
  interpreter running the harness, filled by pip from PyPI, and a marker file recording the
  install steps; a venv whose marker matches is reused, any other is rebuilt from scratch.
- validator-core 1.1.2 pins packages that no longer import on Python ≥ 3.10. It is installed
  with ``--no-deps`` and its requirements are then installed with these overrides: latest
  pycryptodome and pytz, python-jose 3.2.0 (3.3+ breaks its signed-badge check), responses
  0.26.3; pip then picks openbadges-bakery 1.2.4. Every other pin is its own.
- openbadges-bakery 2.0.0 needs rfc3986 2, which validator-core pins to 0.4.1: its own venv.
- A runner is a long-lived child speaking JSON lines (bench/runners/protocol.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
ANCHORS_DIR = BENCH_DIR / ".anchors"
LOG_DIR = BENCH_DIR / ".work" / "logs"
MARKER = ".bench-install.json"


@dataclass(frozen=True)
class AnchorSpec:
    """An anchor and the pip steps that install it."""

    name: str
    venv_name: str
    pip_steps: tuple[tuple[str, ...], ...]
    runner_module: str

    @property
    def venv_dir(self) -> Path:
        return ANCHORS_DIR / self.venv_name

    @property
    def python(self) -> Path:
        return self.venv_dir / "bin" / "python"


VALIDATOR_CORE = AnchorSpec(
    name="validator-core",
    venv_name="validator-core",
    pip_steps=(
        ("--no-deps", "openbadges==1.1.2"),
        (
            "aniso8601>=1.2.0",
            "Click==6.7",
            "future==0.16.0",
            "jsonschema==2.6.0",
            "language-tags==0.4.3",
            "openbadges-bakery>=1.1.0,<2",
            "pycryptodome",  # override: 3.6.6 does not build on current Python
            "pydux==0.2.2",
            "PyLD==0.7.1",
            "python-jose==3.2.0",  # override: 3.0.1 needs the old pycryptodome; 3.3+ breaks it
            "python-mimeparse==1.6.0",
            "pytz",  # override: 2017.2 is too old for current Python
            "requests>=2.13",
            "requests-cache==0.4.13",
            "rfc3986==0.4.1",
            "validators==0.11.2",
            "responses==0.26.3",
        ),
    ),
    runner_module="bench.runners.validator_runner",
)

BAKERY = AnchorSpec(
    name="openbadges-bakery",
    venv_name="openbadges-bakery-2",
    pip_steps=(("openbadges-bakery==2.0.0",),),
    runner_module="bench.runners.bakery_runner",
)


class AnchorUnavailable(Exception):
    """The anchor could not be installed or started; the message says why."""


def ensure_installed(spec: AnchorSpec, log: Callable[[str], None] = print) -> Path:
    """Install ``spec`` into its venv unless an identical install is already there."""
    wanted = json.dumps({"python": sys.version, "steps": spec.pip_steps}, sort_keys=True)
    marker = spec.venv_dir / MARKER
    if spec.python.exists() and marker.exists() and marker.read_text() == wanted:
        return spec.python
    log(f"  installing {spec.name} into {spec.venv_dir.relative_to(REPO_ROOT)} (pip, once) …")
    shutil.rmtree(spec.venv_dir, ignore_errors=True)
    ANCHORS_DIR.mkdir(parents=True, exist_ok=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(spec.venv_dir)
    for step in spec.pip_steps:
        command = [str(spec.python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        done = subprocess.run(
            [*command, *step], capture_output=True, text=True, timeout=600, check=False
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise AnchorUnavailable(f"pip could not install {spec.name}: " + " | ".join(tail))
    marker.write_text(wanted)
    return spec.python


class AnchorRunner:
    """A running anchor runner; ``call`` sends one request and returns its result."""

    def __init__(self, spec: AnchorSpec, *args: str) -> None:
        self.spec = spec
        self.args = args
        self.hello: dict[str, Any] = {}
        self.startup_s = 0.0  # from starting the interpreter to the runner's first line
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> AnchorRunner:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        # The anchor's own logging (tracebacks of failed checks) is kept for reading, not shown.
        with (LOG_DIR / f"{self.spec.name}.log").open("a") as log:
            self._proc = subprocess.Popen(
                [str(self.spec.python), "-m", self.spec.runner_module, *self.args],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.hello = self._read()
        self.startup_s = time.perf_counter() - start
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is None:
            return
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self._proc.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise AnchorUnavailable(f"the {self.spec.name} runner exited unexpectedly")
        message = json.loads(line)
        if not message["ok"]:
            trace = str(message["error"]).strip()
            with (LOG_DIR / f"{self.spec.name}.log").open("a") as log:
                log.write(trace + "\n")
            last = trace.splitlines()[-1] if trace else "no detail"
            where = (LOG_DIR / f"{self.spec.name}.log").relative_to(REPO_ROOT)
            raise AnchorUnavailable(f"{self.spec.name} failed: {last} (see {where})")
        result: dict[str, Any] = message["result"]
        return result
