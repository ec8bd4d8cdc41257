"""Settings in the library: JSON values, and the user's e-mail addresses."""

from __future__ import annotations

import pytest

from agent.errors import ErrorCode, LibraryError
from agent.library import Library


def test_settings_round_trip_json(library: Library) -> None:
    """A setting keeps any JSON value; deleting it brings back the default."""
    library.set_setting("sync", {"interval_minutes": 60, "enabled": True})
    assert library.get_setting("sync") == {"interval_minutes": 60, "enabled": True}
    assert library.all_settings() == {"sync": {"interval_minutes": 60, "enabled": True}}
    library.set_setting("sync", [1, 2])
    assert library.get_setting("sync") == [1, 2]
    library.delete_setting("sync")
    assert library.get_setting("sync", "default") == "default"


def test_settings_refuse_what_json_cannot_hold(library: Library) -> None:
    """Values that are not JSON, oversized values and the reserved key are refused."""
    for key, value in (("x", object()), ("x", float("nan")), ("x", "y" * 70_000), ("", 1)):
        with pytest.raises(LibraryError) as refused:
            library.set_setting(key, value)
        assert refused.value.code is ErrorCode.INVALID_ARGUMENT
    with pytest.raises(LibraryError):
        library.set_setting("emails", ["a@b.example"])


def test_emails_compare_case_insensitively_but_show_as_entered(library: Library) -> None:
    """Addresses are kept as entered, not added twice in other case, removed in any case."""
    assert library.add_email(" Ada.Lovelace@Example.org ") == ["Ada.Lovelace@Example.org"]
    assert library.add_email("ada.lovelace@example.ORG") == ["Ada.Lovelace@Example.org"]
    library.add_email("ada@school.example")
    assert library.emails() == ["Ada.Lovelace@Example.org", "ada@school.example"]
    assert library.remove_email("ADA.LOVELACE@example.org") == ["ada@school.example"]
    assert library.remove_email("nobody@example.org") == ["ada@school.example"]


@pytest.mark.parametrize("address", ["", "no-at-sign", "@example.org", "a@", "a b@example.org"])
def test_invalid_emails_are_refused(library: Library, address: str) -> None:
    """Something that is not an address is INVALID_ARGUMENT."""
    with pytest.raises(LibraryError) as refused:
        library.add_email(address)
    assert refused.value.code is ErrorCode.INVALID_ARGUMENT
    assert library.emails() == []
