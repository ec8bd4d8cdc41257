"""Settings the CLI reads without the agent: the user's addresses, from the library."""

from __future__ import annotations

import logging

from agent.errors import BadgekeeperError
from agent.paths import resolve_paths

log = logging.getLogger(__name__)


def configured_addresses() -> list[str]:
    """The e-mail addresses in the user's settings; none when there is no library yet."""
    paths = resolve_paths()
    if not paths.library_db.exists():
        return []
    from agent.library import Library

    try:
        with Library(paths) as library:
            return library.emails()
    except BadgekeeperError as exc:
        log.warning("could not read your addresses from the library: %s", exc.message)
        return []
