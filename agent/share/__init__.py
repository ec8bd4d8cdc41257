"""Sharing badges: links for LinkedIn, X, Facebook and e-mail, and collections as pages and zips.

``facts`` picks what a share says and the public address it points at; ``links`` and ``tweet``
build the links (pure); ``page`` renders a collection's static page (pure); ``collection_export``
is the thin I/O shell that writes a collection as a zip or a page folder.
"""

from __future__ import annotations

from agent.share.errors import ShareError
from agent.share.facts import ShareFacts, facts_of, public_url
from agent.share.links import TARGETS, ShareLinks, Target, share_links

__all__ = [
    "TARGETS",
    "ShareError",
    "ShareFacts",
    "ShareLinks",
    "Target",
    "facts_of",
    "public_url",
    "share_links",
]
