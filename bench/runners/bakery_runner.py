"""Anchor runner for openbadges-bakery: unbake a file, timed or under tracemalloc.

Ops: ``unbake`` ``{"path", "repeat"}`` → ``{"times_ns", "payload_sha256", "payload_chars"}``;
``unbake_memory`` ``{"path"}`` → ``{"peak_bytes"}``. The file is read into memory before
anything is measured, so both sides unbake bytes already in memory; the bakery wants a file
object, so wrapping the bytes in ``BytesIO`` is part of the measured call.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import platform
from pathlib import Path
from typing import Any

import openbadges_bakery  # type: ignore[import-not-found, import-untyped, unused-ignore]

from bench.runners.protocol import serve, timed_calls, traced_peak_bytes


def unbake_bytes(data: bytes) -> str | None:
    result = openbadges_bakery.unbake(io.BytesIO(data))
    if isinstance(result, bytes):
        return result.decode("utf-8")
    return None if result is None else str(result)


def op_unbake(request: dict[str, Any]) -> dict[str, Any]:
    data = Path(request["path"]).read_bytes()
    times, payload = timed_calls(lambda: unbake_bytes(data), int(request["repeat"]))
    text = payload if isinstance(payload, str) else ""
    return {
        "times_ns": times,
        "payload_sha256": hashlib.sha256(text.encode()).hexdigest() if payload else None,
        "payload_chars": len(text),
    }


def op_unbake_memory(request: dict[str, Any]) -> dict[str, Any]:
    data = Path(request["path"]).read_bytes()
    return {"peak_bytes": traced_peak_bytes(lambda: unbake_bytes(data))}


if __name__ == "__main__":
    serve(
        {
            "anchor": "openbadges-bakery",
            "version": importlib.metadata.version("openbadges-bakery"),
            "python": platform.python_version(),
        },
        {"unbake": op_unbake, "unbake_memory": op_unbake_memory},
    )
