"""Typed parameters: exact types, bounds, unknown keys; every refusal is -32602 naming the key."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from agent.rpc.params import Params, check_keys, encoded_length
from agent.rpc.preferences import PREFERENCES, current_preferences
from agent.rpc.protocol import ProtocolError


def refused(call: Any) -> ProtocolError:
    with pytest.raises(ProtocolError) as raised:
        call()
    assert raised.value.rpc_code == -32602
    return raised.value


def test_integers_are_integers_in_range_and_never_booleans() -> None:
    """integer() takes ints within bounds, uses the default when absent, refuses True/'5'."""
    params = Params("m", {"n": 5, "flag": True, "text": "5", "big": 10**30})
    assert params.integer("n", minimum=1, maximum=10) == 5
    assert params.integer("absent", minimum=1, maximum=10, default=3) == 3
    for name in ("flag", "text", "big"):
        assert refused(lambda n=name: params.integer(n, minimum=0, maximum=10)).param == name
    assert refused(lambda: params.integer("absent", minimum=0, maximum=1)).param == "absent"


def test_booleans_are_only_true_or_false() -> None:
    """boolean() refuses 1, 'true' and the like."""
    params = Params("m", {"yes": True, "one": 1, "word": "true"})
    assert params.boolean("yes", default=False) is True
    assert params.boolean("absent", default=True) is True
    refused(lambda: params.boolean("one", default=False))
    refused(lambda: params.boolean("word", default=False))


def test_text_is_bounded_and_never_trimmed_into_validity() -> None:
    """text() checks type and length as given."""
    params = Params("m", {"s": "abc", "long": "x" * 11, "empty": "", "num": 3})
    assert params.text("s", max_chars=10) == "abc"
    refused(lambda: params.text("long", max_chars=10))
    refused(lambda: params.text("empty"))
    refused(lambda: params.text("num"))
    assert params.optional_text("empty", min_chars=0) == ""
    assert params.optional_text("absent") is None


def test_choices_take_one_value_or_a_list_of_known_values() -> None:
    """choice() and choices() accept only listed values."""
    params = Params("m", {"one": "b", "many": ["a", "b", "a"], "bad": ["a", "z"], "num": 1})
    assert params.choice("one", ("a", "b"), default="a") == "b"
    assert params.choices("one", ("a", "b")) == ["b"]
    assert params.choices("many", ("a", "b")) == ["a", "b"]
    refused(lambda: params.choices("bad", ("a", "b")))
    refused(lambda: params.choice("num", ("a", "b"), default="a"))


def test_base64_is_strict_and_checked_for_size_before_decoding() -> None:
    """binary() decodes standard padded base64 up to the limit; a longer value is not decoded."""
    data = bytes(range(256)) * 4
    params = Params("m", {"ok": base64.b64encode(data).decode(), "bad": "@@@@", "url": "-_-_"})
    assert params.binary("ok", max_bytes=len(data)) == data
    assert "at most" in refused(lambda: params.binary("ok", max_bytes=len(data) - 3)).message
    refused(lambda: params.binary("bad", max_bytes=100))
    refused(lambda: params.binary("url", max_bytes=100))
    assert encoded_length(len(data)) == len(base64.b64encode(data))


def test_nested_records_refuse_unknown_keys_with_their_path() -> None:
    """record() checks its own keys; the error names source.page, not just page."""
    params = Params("badge.save", {"source": {"page_url": "https://x", "page": 1}})
    error = refused(lambda: params.record("source", ("page_url",)))
    assert error.param == "source.page"
    assert "badge.save" in error.message
    refused(lambda: Params("m", {"source": "x"}).record("source", ("page_url",)))


def test_unknown_top_level_keys_are_refused_listing_the_known_ones() -> None:
    """check_keys names the stray key and what the method takes."""
    error = refused(lambda: check_keys("badge.get", {"id": "x", "ids": "y"}, {"id"}))
    assert error.param == "ids"
    assert "id" in error.message


def test_preferences_fall_back_to_defaults_for_values_that_no_longer_fit() -> None:
    """A stored preference of the wrong type reads as its default."""
    stored = {"auto_upload": "yes", "sync_interval_minutes": 30, "inline_button_sites": ["x"]}
    values = current_preferences(stored)
    assert values == {
        "auto_upload": False,
        "sync_interval_minutes": 30,
        "inline_button_sites": ["gmail", "outlook"],
    }
    values["inline_button_sites"].append("mutated")
    assert PREFERENCES["inline_button_sites"].default == ["gmail", "outlook"]
