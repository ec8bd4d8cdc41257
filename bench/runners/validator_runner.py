"""Anchor runner for validator-core (PyPI ``openbadges``): verify badges through its Python API.

Started as ``python -m bench.runners.validator_runner CONTEXT_MAP_JSON``. CONTEXT_MAP_JSON maps
each JSON-LD context URL (``https://w3id.org/openbadges/v2``) to its copy on the loopback issuer.

Rules:
- validator-core fetches the OB 2.0 context on every badge through ``requests``. Every request it
  makes passes through ``HTTPAdapter.send``; there a context URL is rewritten to its loopback copy
  (after requests-cache has looked it up, so its caching is what it would be online) and any
  other host than loopback is refused, so the anchor runs offline or fails loudly.
- pyld's default loader (used for the odd inline expansion) goes through ``requests`` too.
- Only validator-core's own API and options are used; its verdict logic is untouched. The one
  shim restores ``collections.MutableMapping`` for requests-cache 0.4 (gone in Python 3.10), so
  its file cache backend, one of validator-core's own options, can be measured too.

Op ``verify`` ``{"inputs": [{"kind": "url"|"jws"|"file", "value"}], "email", "mode":
"memory"|"sqlite", "cache_dir"}`` → ``{"results": [{"valid", "errors", "warnings"}],
"times_ns", "max_rss_bytes"}``. ``memory`` is validator-core's default (a cache per call);
``sqlite`` is requests-cache's file backend, kept across calls in ``cache_dir``.
"""

from __future__ import annotations

import collections
import collections.abc
import importlib.metadata
import ipaddress
import json
import os
import platform
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from bench.runners.protocol import max_rss_bytes, serve


def restore_python39_aliases() -> None:
    """Let requests-cache 0.4's file backend import (it wants ``collections.MutableMapping``).

    Must run before the anchor is first imported: requests-cache drops the backend silently
    when that import fails, and validator-core's own ``cache_backend="sqlite"`` option with it.
    """
    collections.MutableMapping = collections.abc.MutableMapping  # type: ignore[attr-defined]


def install_offline_routing(context_map: dict[str, str]) -> None:
    """Point context URLs at their loopback copies; refuse every other non-loopback host."""
    import requests  # type: ignore[import-untyped, unused-ignore]
    import requests.adapters  # type: ignore[import-untyped, unused-ignore]
    from pyld import jsonld  # type: ignore[import-untyped, unused-ignore]

    original_send = requests.adapters.HTTPAdapter.send

    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        target = context_map.get(request.url) or context_map.get(request.url.rstrip("/"))
        if target is not None:
            request.url = target
        host = urlsplit(request.url).hostname or ""
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise requests.ConnectionError(f"benchmark runs offline: refused {request.url}")
        return original_send(self, request, *args, **kwargs)

    requests.adapters.HTTPAdapter.send = send

    def load_document(url: str) -> dict[str, Any]:
        response = requests.get(
            url, headers={"Accept": "application/ld+json, application/json"}, timeout=30
        )
        return {"contextUrl": None, "documentUrl": url, "document": response.json()}

    jsonld.set_document_loader(load_document)


def verify_one(item: dict[str, Any], email: str, options: dict[str, Any]) -> dict[str, Any]:
    from openbadges.verifier import verify  # type: ignore[import-not-found, unused-ignore]

    if item["kind"] == "file":
        with open(item["value"], "rb") as handle:
            report = verify(handle, recipient_profile={"email": email}, **options)
    else:
        report = verify(item["value"], recipient_profile={"email": email}, **options)
    messages = report["report"]["messages"]
    return {
        "valid": bool(report["report"]["valid"]),
        "errors": [str(m.get("result")) for m in messages if m.get("messageLevel") == "ERROR"],
        "warnings": [str(m.get("result")) for m in messages if m.get("messageLevel") == "WARNING"],
    }


def op_verify(request: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if request.get("mode") == "sqlite":
        # requests-cache 0.4 names its file "cache.sqlite" in the working directory.
        os.chdir(request["cache_dir"])
        options["cache_backend"] = "sqlite"
    results = []
    times: list[int] = []
    for item in request["inputs"]:
        start = time.perf_counter_ns()
        results.append(verify_one(item, request["email"], options))
        times.append(time.perf_counter_ns() - start)
    return {"results": results, "times_ns": times, "max_rss_bytes": max_rss_bytes()}


if __name__ == "__main__":
    restore_python39_aliases()
    install_offline_routing(json.loads(sys.argv[1]))
    importlib.import_module("openbadges.verifier")  # imported now, never inside a timed call
    serve(
        {
            "anchor": "validator-core",
            "version": importlib.metadata.version("openbadges"),
            "bakery_version": importlib.metadata.version("openbadges-bakery"),
            "python": platform.python_version(),
        },
        {"verify": op_verify},
    )
