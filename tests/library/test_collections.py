"""Collections: create, rename, order, badges with positions, delete."""

from __future__ import annotations

import pytest

from agent.errors import ErrorCode, LibraryError
from agent.library import Library
from tests.library.factories import fake_png, make_verdict, payload_for, source


def save(library: Library, number: int) -> str:
    assertion_id = f"https://issuer.example/a/{number}"
    return library.save(
        verdict=make_verdict(assertion_id, name=f"Badge {number}"),
        payload=payload_for(assertion_id),
        payload_kind="assertion-json",
        image=fake_png(str(number)),
        media_type="image/png",
        source=source(),
    ).badge.id


def test_create_rename_and_order_collections(library: Library) -> None:
    """Collections keep the order they were made in; move and rename change it and the name."""
    work = library.create_collection("  Work  ")
    fun = library.create_collection("Fun")
    school = library.create_collection("School")
    assert work.name == "Work"
    assert [c.name for c in library.collections()] == ["Work", "Fun", "School"]
    moved = library.move_collection(school.id, 0)
    assert [(c.name, c.position) for c in moved] == [("School", 0), ("Work", 1), ("Fun", 2)]
    assert [c.name for c in library.move_collection(school.id, 99)] == ["Work", "Fun", "School"]
    assert library.rename_collection(fun.id, "Hobbies").name == "Hobbies"
    library.delete_collection(work.id)
    assert [(c.name, c.position) for c in library.collections()] == [
        ("Hobbies", 0),
        ("School", 1),
    ]


def test_collection_names_are_unique_regardless_of_case(library: Library) -> None:
    """A second collection with the same name in other case, or an empty name, is refused."""
    library.create_collection("Work")
    for name in ("work", "   ", "x" * 201):
        with pytest.raises(LibraryError) as refused:
            library.create_collection(name)
        assert refused.value.code is ErrorCode.INVALID_ARGUMENT


def test_badges_in_collection_keep_positions(library: Library) -> None:
    """Badges are appended or inserted at a position; moving and removing keeps positions dense."""
    a, b, c = (save(library, n) for n in (1, 2, 3))
    group = library.create_collection("Favourites")
    library.add_to_collection(group.id, a)
    library.add_to_collection(group.id, b)
    assert library.add_to_collection(group.id, c, position=0).badge_ids == (c, a, b)
    assert library.add_to_collection(group.id, b, position=1).badge_ids == (c, b, a)
    assert library.remove_from_collection(group.id, c).badge_ids == (b, a)
    page = library.list_badges(collection=group.id, sort="position", descending=False)
    assert [x.id for x in page.items] == [b, a]
    assert page.total == 2
    library.add_to_collection(group.id, c)
    library.delete(b)
    assert library.collection(group.id).badge_ids == (a, c)
    library.add_to_collection(group.id, a, position=5)  # moving past the end clamps
    assert library.collection(group.id).badge_ids == (c, a)


def test_unknown_collection_is_collection_not_found(library: Library) -> None:
    """Every collection call with an unknown id says COLLECTION_NOT_FOUND."""
    badge = save(library, 1)
    calls = (
        lambda: library.collection(99),
        lambda: library.rename_collection(99, "x"),
        lambda: library.move_collection(99, 0),
        lambda: library.delete_collection(99),
        lambda: library.add_to_collection(99, badge),
        lambda: library.remove_from_collection(99, badge),
        lambda: library.list_badges(collection=99),
    )
    for call in calls:
        with pytest.raises(LibraryError) as missing:
            call()
        assert missing.value.code is ErrorCode.COLLECTION_NOT_FOUND


def test_deleting_collection_keeps_badges(library: Library) -> None:
    """Deleting a collection leaves its badges in the library."""
    badge = save(library, 1)
    group = library.create_collection("Old")
    library.add_to_collection(group.id, badge)
    library.delete_collection(group.id)
    assert library.get(badge).collections == ()
    assert library.list_badges().total == 1
