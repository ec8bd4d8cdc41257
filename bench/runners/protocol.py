"""The JSON-lines loop an anchor runner speaks, and the measurements both sides share.

Rules:
- The runner's first line is ``{"ok": true, "result": HELLO}`` (versions, python).
- Then, for each request line ``{"op": NAME, ...}``, exactly one reply line: ``{"ok": true,
  "result": {...}}`` or ``{"ok": false, "error": "traceback"}``. End of input ends the runner.
- The anchors may print: file descriptor 1 is pointed at standard error before any anchor code
  runs, and replies go to a private duplicate of the original standard output.
- Time is ``perf_counter_ns`` around the call only; memory is measured in a separate call under
  ``tracemalloc`` (it slows Python down, so never both at once).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
import tracemalloc
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def timed_calls(call: Callable[[], object], repeat: int) -> tuple[list[int], object]:
    """Nanoseconds for each of ``repeat`` calls, and the last call's result."""
    times: list[int] = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter_ns()
        result = call()
        times.append(time.perf_counter_ns() - start)
    return times, result


def traced_peak_bytes(call: Callable[[], object]) -> int:
    """Peak memory Python allocated during one call, above what was allocated before it."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(0, peak - before)


def vm_hwm_bytes(pid: int | str = "self") -> int | None:
    """Peak resident memory of a process's own address space (Linux ``VmHWM``), if known.

    Unlike ``ru_maxrss``, which Linux carries over from the parent across fork and exec (a child
    of a 90 MB harness "peaks" at 90 MB), VmHWM starts afresh with the new program.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def max_rss_bytes() -> int:
    """This process's peak resident set size: VmHWM, else ``ru_maxrss`` (KiB on Linux)."""
    hwm = vm_hwm_bytes()
    if hwm is not None:
        return hwm
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)


def serve(hello: dict[str, Any], handlers: dict[str, Handler]) -> None:
    """Answer requests from standard input until it closes."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def reply(message: dict[str, Any]) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    reply({"ok": True, "result": hello})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            handler = handlers[request["op"]]
            reply({"ok": True, "result": handler(request)})
        except Exception:  # the harness shows the anchor's traceback; the runner keeps serving
            reply({"ok": False, "error": traceback.format_exc()})
