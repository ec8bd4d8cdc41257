"""What the benchmarks ran on: CPU, cores, memory, OS, Python."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _first_value(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        return None
    return None


def cpu_model() -> str:
    return _first_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown"


def memory_gib() -> str:
    total = _first_value("/proc/meminfo", "MemTotal")
    if total is None:
        return "unknown"
    return f"{int(total.split()[0]) / 1024 / 1024:.1f} GiB"


def describe_machine() -> list[tuple[str, str]]:
    """Rows for the report's machine table."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = f"{os.cpu_count()} logical" + (f" ({affinity} usable)" if affinity else "")
    return [
        ("CPU", cpu_model()),
        ("cores", cores),
        ("memory", memory_gib()),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
    ]


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def load_text(load: tuple[float, float, float] | None) -> str:
    return "unknown" if load is None else ", ".join(f"{value:.2f}" for value in load)
