"""Safe HTTP for URLs named by untrusted badges."""

from __future__ import annotations

from agent.fetch.model import ACCEPT_JSON_LD, MAX_IMAGE_BYTES, MAX_JSON_BYTES, Fetcher, FetchResponse

__all__ = ["ACCEPT_JSON_LD", "MAX_IMAGE_BYTES", "MAX_JSON_BYTES", "FetchResponse", "Fetcher"]
