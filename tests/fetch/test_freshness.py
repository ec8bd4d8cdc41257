"""The pure freshness rules read from response headers."""

from __future__ import annotations

import pytest

from agent.fetch.freshness import cache_directives, freshness_of

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "storable", "fresh_for"),
    [
        ({"Cache-Control": "no-store"}, False, None),
        ({"Cache-Control": "max-age=60, no-store"}, False, None),
        ({"Vary": "*", "Cache-Control": "max-age=60"}, False, None),
        ({"Cache-Control": "no-cache"}, True, 0.0),
        ({"Cache-Control": "private, max-age=60"}, True, 60.0),
        ({"Cache-Control": 'max-age="60"'}, True, 60.0),
        ({"Cache-Control": "MAX-AGE=60", "Age": "20"}, True, 40.0),
        ({"Cache-Control": "max-age=soon"}, True, 0.0),
        ({"Cache-Control": "max-age=60", "Expires": "Thu, 01 Jan 1970 00:00:00 GMT"}, True, 60.0),
        (
            {"Expires": "Tue, 14 Nov 2023 22:23:20 GMT", "Date": "Tue, 14 Nov 2023 22:13:20 GMT"},
            True,
            600.0,
        ),
        ({"Expires": "0"}, True, 0.0),
        ({"Cache-Control": "public"}, True, None),
        ({}, True, None),
    ],
)
def test_freshness_from_headers(
    headers: dict[str, str], storable: bool, fresh_for: float | None
) -> None:
    """no-store and Vary * forbid storing; max-age beats Expires; nothing said means no lifetime."""
    result = freshness_of(headers, NOW)
    assert result.storable is storable
    if fresh_for is None:
        assert result.fresh_until is None
    else:
        assert result.fresh_until == pytest.approx(NOW + fresh_for)


def test_cache_control_directives_are_read_leniently() -> None:
    """Directive names are case-insensitive; quotes and blanks are dropped."""
    assert cache_directives(' Public , MAX-AGE="10",, no-cache') == {
        "public": "",
        "max-age": "10",
        "no-cache": "",
    }
