"""An in-memory fetcher for unit tests of the verifier (the seam DESIGN.md asks for).

Integration tests use the real SafeFetcher against real loopback servers; this one lets a unit
test state exactly which documents exist and count what was asked for.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent.errors import ErrorCode, FetchError
from agent.fetch.model import ACCEPT_JSON_LD, MAX_JSON_BYTES, FetchResponse


@dataclass
class Page:
    """A canned answer: a status, a content type and a body (dicts are sent as JSON)."""

    body: Any = b""
    status: int = 200
    content_type: str = "application/ld+json"


@dataclass
class DictFetcher:
    """Answers from a dict of URL -> document (dict/list/str/bytes or :class:`Page`).

    A missing URL answers 404. ``refuse`` maps URLs to an ErrorCode to raise instead (for
    refused addresses, timeouts). ``requests`` counts every URL asked for.
    """

    documents: dict[str, Any] = field(default_factory=dict)
    refuse: Mapping[str, ErrorCode] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)

    def add(self, url: str, document: Any) -> None:
        self.documents[url] = document

    async def get(
        self, url: str, *, accept: str = ACCEPT_JSON_LD, max_bytes: int = MAX_JSON_BYTES
    ) -> FetchResponse:
        self.requests[url] += 1
        if url in self.refuse:
            raise FetchError(self.refuse[url])
        document = self.documents.get(url)
        if document is None:
            return FetchResponse(url=url, status=404, content_type="text/plain", body=b"")
        page = document if isinstance(document, Page) else Page(document)
        body = page.body
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        if len(body) > max_bytes:
            raise FetchError(ErrorCode.RESPONSE_TOO_LARGE)
        return FetchResponse(url=url, status=page.status, content_type=page.content_type, body=body)
