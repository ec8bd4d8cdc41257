"""The fuzz suite's bookkeeping: every test counts the inputs it ran; the total is printed.

Each test is bounded by its hypothesis settings (``max_examples``, no deadline) or its atheris
``-runs``, and a pytest-timeout; the summary line at the end says how many inputs ran in all. Set
``BADGEKEEPER_FUZZ_SCALE=10`` for a run ten times deeper (and longer).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

INPUTS: Counter[str] = Counter()
SCALE_ENV = "BADGEKEEPER_FUZZ_SCALE"


def examples(count: int) -> int:
    """``count`` times ``BADGEKEEPER_FUZZ_SCALE`` (default 1): deeper runs on demand."""
    try:
        scale = float(os.environ.get(SCALE_ENV, "1"))
    except ValueError:
        scale = 1.0
    return max(1, int(count * max(scale, 0.01)))


def ran(target: str, count: int = 1) -> None:
    """Count ``count`` inputs run against ``target`` (an atheris process reports many at once)."""
    INPUTS[target] += count


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not INPUTS:
        return
    parts = ", ".join(f"{name} {count}" for name, count in sorted(INPUTS.items()))
    terminalreporter.write_line(f"fuzz inputs run: {sum(INPUTS.values())} ({parts})")
