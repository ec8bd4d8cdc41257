"""Listing badges: filters, text search (FTS5 and the LIKE fallback), sorting and paging."""

from __future__ import annotations

import base64
import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.errors import ErrorCode, LibraryError
from agent.library import Library
from agent.paths import resolve_paths
from tests.library.factories import TickingClock, fake_png, make_verdict, payload_for, source

BADGES = [
    # (assertion suffix, name, issuer, issued_on, errors)
    ("1", "Python Basics", "Example University", "2026-01-15T00:00:00Z", ()),
    ("2", "Advanced Python", "Example University", "2025-03-01T00:00:00Z", ()),
    ("3", "Éclair Baking", "Pâtisserie School", "2024-07-07T00:00:00Z", (ErrorCode.REVOKED,)),
    ("4", "Data Science", "Other Institute", None, (ErrorCode.EXPIRED,)),
    ("5", "zebra care", "Other Institute", "2023-02-02T00:00:00Z", ()),
]


@pytest.fixture
def filled(library: Library) -> Library:
    """A library holding the five BADGES, saved in order."""
    for suffix, name, issuer, issued_on, errors in BADGES:
        assertion_id = f"https://issuer.example/a/{suffix}"
        library.save(
            verdict=make_verdict(
                assertion_id,
                name=name,
                issuer_name=issuer,
                issuer_id=f"https://issuer.example/{issuer.split()[0].lower()}",
                issued_on=issued_on,
                errors=errors,
                description=f"Awarded for {name}.",
            ),
            payload=payload_for(assertion_id),
            payload_kind="assertion-json",
            image=fake_png(suffix),
            media_type="image/png",
            source=source(subject=f"Congratulations on {name}"),
        )
    return library


def names(library: Library, **query: object) -> list[str | None]:
    return [b.name for b in library.list_badges(**query).items]  # type: ignore[arg-type]


def test_default_order_is_newest_saved_first(filled: Library) -> None:
    """Without options, badges come newest saved first, with the total."""
    page = filled.list_badges()
    assert page.total == 5
    assert [b.name for b in page.items] == [
        "zebra care",
        "Data Science",
        "Éclair Baking",
        "Advanced Python",
        "Python Basics",
    ]


def test_sort_by_name_ignores_case(filled: Library) -> None:
    """Sorting by name is case-insensitive."""
    assert names(filled, sort="name", descending=False) == [
        "Advanced Python",
        "Data Science",
        "Éclair Baking",
        "Python Basics",
        "zebra care",
    ]


def test_sort_by_issued_on(filled: Library) -> None:
    """Sorting by issue date puts undated badges last when descending."""
    assert names(filled, sort="issued_on") == [
        "Python Basics",
        "Advanced Python",
        "Éclair Baking",
        "zebra care",
        "Data Science",
    ]


def test_status_and_issuer_filters(filled: Library) -> None:
    """Status takes one status or several; issuer filters by issuer id."""
    assert names(filled, status="revoked") == ["Éclair Baking"]
    assert sorted(names(filled, status=["revoked", "expired"])) == [  # type: ignore[type-var]
        "Data Science",
        "Éclair Baking",
    ]
    assert filled.list_badges(issuer="https://issuer.example/other").total == 2
    with pytest.raises(LibraryError) as bad:
        filled.list_badges(status="broken")  # type: ignore[arg-type]
    assert bad.value.code is ErrorCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("python", {"Python Basics", "Advanced Python"}),
        ("PYTH bas", {"Python Basics"}),
        ("eclair", {"Éclair Baking"}),
        ("patisserie", {"Éclair Baking"}),
        ("congratulations zebra", {"zebra care"}),
        ("issuer.example", {name for _, name, *_ in BADGES}),  # the sender's address
        ('"; DROP TABLE badges; -- NEAR(', set()),
        ("*", {name for _, name, *_ in BADGES}),  # no word: no text filter
    ],
)
def test_text_search_with_fts(filled: Library, text: str, expected: set[str]) -> None:
    """Text search matches every word as a prefix, ignores case and accents, never parses syntax."""
    assert filled.search_indexed is True
    assert set(names(filled, text=text)) == expected


def test_text_search_falls_back_to_like(filled: Library, clock: TickingClock) -> None:
    """Without the FTS5 table, text search still works through LIKE."""
    filled.close()
    with sqlite3.connect(resolve_paths().library_db) as raw:
        raw.execute("DROP TABLE badge_search")
    with Library(clock=clock) as reopened:
        assert reopened.search_indexed is False
        assert set(names(reopened, text="python")) == {"Python Basics", "Advanced Python"}
        assert names(reopened, text="100%_") == []
        assert names(reopened, text="zebra", status="valid") == ["zebra care"]


def test_filters_combine(filled: Library) -> None:
    """Text, status and issuer filters all apply, and total counts the matches."""
    page = filled.list_badges(text="python", status="valid", sort="name", descending=False)
    assert [b.name for b in page.items] == ["Advanced Python", "Python Basics"]
    assert page.total == 2


def test_offset_paging(filled: Library) -> None:
    """limit and offset page through the badges; total stays the full count."""
    first = filled.list_badges(limit=2)
    second = filled.list_badges(limit=2, offset=2)
    third = filled.list_badges(limit=2, offset=4)
    seen = [b.id for page in (first, second, third) for b in page.items]
    assert len(seen) == len(set(seen)) == 5
    assert {first.total, second.total, third.total} == {5}


@pytest.mark.parametrize("sort", ["saved_at", "name", "issued_on"])
@pytest.mark.parametrize("descending", [True, False])
def test_cursor_paging_visits_every_badge_once(
    filled: Library, sort: str, descending: bool
) -> None:
    """Following next_cursor yields every badge once, in the same order as one big page."""
    everything = [b.id for b in filled.list_badges(sort=sort, descending=descending).items]  # type: ignore[arg-type]
    seen: list[str] = []
    cursor = None
    while True:
        page = filled.list_badges(sort=sort, descending=descending, limit=2, cursor=cursor)  # type: ignore[arg-type]
        seen.extend(b.id for b in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == everything


def test_bad_cursor_and_limits_are_refused(filled: Library) -> None:
    """A damaged or foreign cursor and out-of-range limits are INVALID_ARGUMENT."""
    cursor = filled.list_badges(limit=1).next_cursor
    assert cursor is not None
    for kwargs in (
        {"cursor": "%%%"},
        {"cursor": "W10"},
        {"cursor": cursor, "sort": "name"},
        {"limit": 0},
        {"limit": 100_000},
        {"offset": -1},
        {"sort": "position"},
        {"sort": "rowid; DROP TABLE badges"},
    ):
        with pytest.raises(LibraryError) as refused:
            filled.list_badges(**kwargs)
        assert refused.value.code is ErrorCode.INVALID_ARGUMENT


def test_page_records_carry_sources_uploads_collections(filled: Library) -> None:
    """Records in a page have their sources, uploads and collections filled in."""
    top = filled.list_badges(limit=1).items[0]
    filled.set_upload_state(top.id, "main", "done", remote_id="r1")
    group = filled.create_collection("Favourites")
    filled.add_to_collection(group.id, top.id)
    again = filled.list_badges(limit=3).items
    assert again[0].uploads[0].remote_id == "r1"
    assert again[0].collections[0].name == "Favourites"
    assert again[0].source is not None
    assert again[1].uploads == () and again[1].collections == ()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300), cursor=st.text(max_size=100))
def test_any_query_text_or_cursor_is_safe(filled: Library, text: str, cursor: str) -> None:
    """Any search text gives a page; any cursor gives a page or INVALID_ARGUMENT, nothing else."""
    assert filled.list_badges(text=text).total <= len(BADGES)
    try:
        filled.list_badges(cursor=cursor)
    except LibraryError as refused:
        assert refused.code is ErrorCode.INVALID_ARGUMENT


def test_forged_cursor_with_huge_number_is_refused(filled: Library) -> None:
    """A cursor carrying a number SQLite cannot bind is INVALID_ARGUMENT, not OverflowError."""
    forged = base64.urlsafe_b64encode(json.dumps(["position", True, 2**70, "x"]).encode())
    group = filled.create_collection("G")
    with pytest.raises(LibraryError) as refused:
        filled.list_badges(collection=group.id, sort="position", cursor=forged.decode())
    assert refused.value.code is ErrorCode.INVALID_ARGUMENT
