"""The user's preferences: a known set of keys, each with a type, a range and a default.

Rules:
- Each preference is stored in the library's settings under its own name, so two clients
  changing different preferences at once never undo each other.
- Reading never fails: a stored value that no longer fits (hand-edited, an older version) reads
  as the default.
- Writing validates every key first and stores nothing when one is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

SITES = ("gmail", "outlook")


@dataclass(frozen=True)
class Preference:
    """One preference: its default, what it accepts (described for error messages)."""

    default: Any
    accepts: Callable[[Any], bool]
    expected: str


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_interval(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 5 <= value <= 1440


def _is_sites(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == len(set(map(str, value)))
        and all(isinstance(site, str) and site in SITES for site in value)
    )


PREFERENCES: Mapping[str, Preference] = {
    "auto_upload": Preference(False, _is_bool, "must be true or false"),
    "sync_interval_minutes": Preference(
        60, _is_interval, "must be an integer from 5 to 1440 (minutes)"
    ),
    "inline_button_sites": Preference(
        list(SITES), _is_sites, f"must be a list of distinct sites among {', '.join(SITES)}"
    ),
}


def current_preferences(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Every preference: the stored value when it fits, else the default."""
    values: dict[str, Any] = {}
    for name, preference in PREFERENCES.items():
        value = stored.get(name)
        values[name] = (
            value if value is not None and preference.accepts(value) else preference.default
        )
        if isinstance(values[name], list):
            values[name] = list(values[name])  # never hand out the shared default
    return values
