"""Native host benchmarks: start-up to first relayed reply, resident memory, and the extension →
host → agent → extension round trip in real Chromium.

    .venv/bin/python bench/host_bench.py [--spawns 30] [--calls 1000] [--no-browser] [--json]

or from Python: ``from bench.host_bench import run; figures = run(spawns=30, calls=1000)``.
The ``native-host`` and ``round-trip`` benchmarks (``bench/benchmarks/``) call :func:`run` with
``samples=True``, which adds every measurement (``*_all``, ``*_blocks``) for their medians and
spreads.

What is measured, in a throw-away home with the agent already running (as the budget says):
1. start-up: the installed launcher is spawned exactly as Chromium spawns it (``launcher
   chrome-extension://ID/``), sent ``agent.hello``; the time from spawn to the reply's last
   byte, over ``spawns`` spawns (median, p95). Resident memory: VmRSS and VmHWM of the host
   process (the interpreter the launcher execs) right after its reply.
2. round trip: Debian's Chromium (Playwright) with the repository loaded as the extension; the
   service worker times ``calls`` calls of ``agent.hello`` with ``performance.now()`` after a
   warm-up of 50 (p50, p99, mean), with no other work in the browser; ``blocks`` > 1 repeats
   the ``calls`` calls that many times in the same worker and gives each block's p50 and p99.
   ``spawns=0`` measures the round trip only.
Budgets (DESIGN.md): start ≤ 150 ms, RSS ≤ 25 MB, p50 ≤ 5 ms, p99 ≤ 20 ms.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
EXTENSION_ID = "gjclphckdhebdmajhgpofchhgaogdaed"
HEADER = struct.Struct("=I")
BUDGETS = {"startup_ms": 150.0, "rss_mb": 25.0, "p50_ms": 5.0, "p99_ms": 20.0}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _environment(base: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(base / "home"),
        "XDG_CONFIG_HOME": str(base / "home" / ".config"),
        "BADGEKEEPER_HOME": str(base / "bk"),
    }


def _install(base: Path, profile: Path) -> Path:
    """Register the host for ``profile`` the way a user would; return the launcher."""
    subprocess.run(
        [sys.executable, "-m", "agent.cli", "install", "--browser", "chromium",
         "--user-data-dir", str(profile)],
        env=_environment(base), check=True, capture_output=True, cwd=ROOT,
    )  # fmt: skip
    return base / "bk" / "data" / "native-host" / "badgekeeper-host"


def _start_agent(base: Path) -> subprocess.Popen[bytes]:
    socket_path = base / "bk" / "run" / "agent.sock"
    agent = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "serve"],
        env=_environment(base),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while not socket_path.exists():
        if time.monotonic() > deadline or agent.poll() is not None:
            raise RuntimeError("the agent did not start")
        time.sleep(0.02)
    return agent


def _memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in kB, from /proc (Linux)."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


def measure_startup(launcher: Path, spawns: int) -> dict[str, Any]:
    """Spawn to first relayed reply, and the host's memory, over ``spawns`` spawns."""
    request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "agent.hello"}).encode()
    frame = HEADER.pack(len(request)) + request
    times: list[float] = []
    rss: list[float] = []
    peaks: list[float] = []
    for _ in range(spawns):
        started = time.perf_counter()
        host = subprocess.Popen(
            [str(launcher), f"chrome-extension://{EXTENSION_ID}/"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert host.stdin is not None and host.stdout is not None
        host.stdin.write(frame)
        host.stdin.flush()
        (length,) = HEADER.unpack(host.stdout.read(HEADER.size))
        reply = json.loads(host.stdout.read(length))
        times.append((time.perf_counter() - started) * 1000)
        if "result" not in reply:
            raise RuntimeError(f"the host answered an error: {reply}")
        resident, peak = _memory_kb(host.pid)
        rss.append(resident / 1024)
        peaks.append(peak / 1024)
        host.stdin.close()
        host.wait(10)
        host.stdout.close()
    return {
        "spawns": spawns,
        "startup_ms_all": times,
        "rss_kb_all": [value * 1024 for value in rss],
        "hwm_kb_all": [value * 1024 for value in peaks],
        "startup_ms_median": round(statistics.median(times), 1),
        "startup_ms_p95": round(_percentile(times, 0.95), 1),
        "startup_ms_min": round(min(times), 1),
        "rss_mb_median": round(statistics.median(rss), 1),
        "rss_mb_peak": round(max(peaks), 1),
    }


ROUND_TRIP_JS = """async (calls) => {
    const call = self.badgekeeper.call;
    for (let i = 0; i < 50; i++) await call('agent.hello');
    const times = [];
    for (let i = 0; i < calls; i++) {
        const started = performance.now();
        await call('agent.hello');
        times.push(performance.now() - started);
    }
    return times;
}"""


def measure_round_trip(profile: Path, calls: int, blocks: int = 1) -> dict[str, Any]:
    """``calls`` agent.hello calls timed inside the service worker, in Debian's Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            ignore_default_args=["--disable-extensions"],
            args=[
                f"--disable-extensions-except={ROOT}",
                f"--load-extension={ROOT}",
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            worker = (
                context.service_workers[0]
                if context.service_workers
                else context.wait_for_event("serviceworker", timeout=30_000)
            )
            block_times: list[list[float]] = [
                worker.evaluate(ROUND_TRIP_JS, calls) for _ in range(max(1, blocks))
            ]
        finally:
            context.close()
    times = [value for block in block_times for value in block]
    return {
        "calls": len(times),
        "roundtrip_ms_p50_blocks": [_percentile(block, 0.50) for block in block_times],
        "roundtrip_ms_p99_blocks": [_percentile(block, 0.99) for block in block_times],
        "roundtrip_ms_mean_blocks": [statistics.fmean(block) for block in block_times],
        "roundtrip_ms_p50": round(_percentile(times, 0.50), 2),
        "roundtrip_ms_p99": round(_percentile(times, 0.99), 2),
        "roundtrip_ms_mean": round(statistics.fmean(times), 2),
        "roundtrip_ms_max": round(max(times), 2),
    }


def run(
    *,
    spawns: int = 30,
    calls: int = 1000,
    browser: bool = True,
    blocks: int = 1,
    samples: bool = False,
) -> dict[str, Any]:
    """Measure everything above; returns the figures and, per budget, whether it was met.

    With ``samples`` the figures also hold every measurement (``*_all``, ``*_blocks``).
    """
    with tempfile.TemporaryDirectory(prefix="bk-host-bench-") as folder:
        base = Path(folder)
        profile = base / "profile"
        launcher = _install(base, profile)
        agent = _start_agent(base)
        try:
            figures: dict[str, Any] = measure_startup(launcher, spawns) if spawns > 0 else {}
            if browser and CHROMIUM.exists():
                figures.update(measure_round_trip(profile, calls, blocks))
            elif browser:
                figures["roundtrip"] = f"not measured: {CHROMIUM} is missing"
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(30)
    if not samples:
        figures = {
            key: value for key, value in figures.items() if not key.endswith(("_all", "_blocks"))
        }
    figures["budgets"] = {}
    if "startup_ms_median" in figures:
        figures["budgets"]["startup_ms_median ≤ 150"] = (
            figures["startup_ms_median"] <= BUDGETS["startup_ms"]
        )
        figures["budgets"]["rss_mb_peak ≤ 25"] = figures["rss_mb_peak"] <= BUDGETS["rss_mb"]
    if "roundtrip_ms_p50" in figures:
        figures["budgets"]["roundtrip_ms_p50 ≤ 5"] = figures["roundtrip_ms_p50"] <= 5.0
        figures["budgets"]["roundtrip_ms_p99 ≤ 20"] = figures["roundtrip_ms_p99"] <= 20.0
    return figures


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spawns", type=int, default=30)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(spawns=args.spawns, calls=args.calls, browser=not args.no_browser)
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        for key, value in figures.items():
            if key != "budgets":
                print(f"{key:24} {value}")
        for budget, met in figures["budgets"].items():
            print(f"{'met ' if met else 'MISSED'} {budget}")
    return 0 if all(figures["budgets"].values()) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
