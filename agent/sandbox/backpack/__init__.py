"""The sandbox backpack: a real Open Badges backpack on loopback for the demo and the tests.

It speaks Badge Connect 2.1 (manifest, dynamic registration, consent page, PKCE, tokens), the
Open Badges 3.0 API and Badgr's v2 import subset, keeps accounts with e-mail addresses and
their badges in SQLite, verifies what it receives, publishes public badge pages with Open Graph
tags, and has fault switches for tests. ``run_sandbox`` starts it with the sample issuer.
"""

from __future__ import annotations

from agent.sandbox.backpack.app import BackpackServer, run_backpack
from agent.sandbox.backpack.browser import approve_in_browser
from agent.sandbox.backpack.sandbox import DEMO_EMAIL, DEMO_PASSWORD, Sandbox, run_sandbox

__all__ = [
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "BackpackServer",
    "Sandbox",
    "approve_in_browser",
    "run_backpack",
    "run_sandbox",
]
