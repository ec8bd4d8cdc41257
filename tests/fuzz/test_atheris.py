"""Run each atheris target (tests/fuzz/atheris_targets.py) in its own process, for bounded runs.

A crash is any exception other than the typed ones escaping a target: libFuzzer then exits
non-zero, and the test fails with the traceback and the path of the input that caused it (turn it
into a regression test in the matching test_*_fuzz.py). The runs scale with
``BADGEKEEPER_FUZZ_SCALE``; ``-max_total_time`` only stops a run on a machine far slower than
expected, and the input count it reached is what the fuzz summary adds up.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.conftest import examples, ran

REPOSITORY = Path(__file__).resolve().parents[2]
# Runs per target at scale 1: a few seconds each on two cores (start-up included).
RUNS = {"bakery": 15_000, "intake": 15_000, "framing": 30_000, "rpc": 60_000}
MAX_SECONDS = 120  # per target, whatever the scale
DONE = re.compile(r"^Done (\d+) runs", re.MULTILINE)


def _atheris_or_fail() -> None:
    if importlib.util.find_spec("atheris") is None:
        pytest.fail(
            "atheris is not installed, so the coverage-guided fuzz targets cannot run. Install "
            "the pinned tools: .venv/bin/pip install -r requirements-dev.txt (atheris==3.0.0)."
        )


@pytest.mark.timeout(MAX_SECONDS + 120)
@pytest.mark.parametrize("target", list(RUNS))
def test_atheris_target_raises_only_typed_errors(target: str, tmp_path: Path) -> None:
    """Coverage-guided mutations of the sample badges and messages never crash a target."""
    _atheris_or_fail()
    command = [
        sys.executable,
        "-m",
        "tests.fuzz.atheris_targets",
        target,
        str(tmp_path / "corpus"),
        f"-runs={examples(RUNS[target])}",
        "-seed=1",
        "-max_len=16384",  # the seed images are up to ~7 kB; libFuzzer's default is 4 kB
        "-timeout=30",  # one input taking longer is a hang: a crash
        "-rss_limit_mb=1024",  # and one growing past this is unbounded memory: a crash
        f"-max_total_time={MAX_SECONDS}",
        f"-artifact_prefix={tmp_path}/",
    ]
    finished = subprocess.run(
        command,
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # atheris prints the traceback to stdout, libFuzzer to stderr
        text=True,
        errors="replace",
        timeout=MAX_SECONDS + 60,
        check=False,
    )
    done = DONE.search(finished.stdout)
    if done is not None:
        ran(f"atheris-{target}", int(done.group(1)))
    exit_code = finished.returncode
    crashes = sorted(str(path) for path in tmp_path.glob("crash-*"))
    report = finished.stdout.partition("=== Uncaught Python exception: ===")[2]
    report = report or "\n".join(finished.stdout.splitlines()[-40:])
    assert exit_code == 0 and done is not None, (
        f"atheris target {target!r} exited {exit_code}; inputs kept: {crashes}\n{report}"
    )
