"""Fuzz the JSON-RPC layer: any message parses to a request/reply or a typed ProtocolError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import BadgekeeperError
from agent.rpc.protocol import (
    Notification,
    Reply,
    Request,
    error_from_wire,
    error_message,
    parse_incoming,
    parse_request,
)
from tests.fuzz.conftest import examples, ran

pytestmark = pytest.mark.timeout(60)

FUZZ = settings(max_examples=examples(500), deadline=None)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
members = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.sampled_from(["2.0", "1.0", 2]) | values,
        "method": st.sampled_from(["badge.list", "sync.run", ""]) | values,
        "params": values,
        "id": st.integers() | st.text(max_size=80) | values,
        "result": values,
        "error": values
        | st.fixed_dictionaries(
            {"code": st.integers() | values, "message": values},
            optional={"data": values},
        ),
    },
)


def _typed(parse: Any, data: str | bytes, target: str) -> Any:
    ran(target)
    try:
        return parse(data)
    except BadgekeeperError:
        return None


@FUZZ
@given(members)
def test_requests_parse_or_fail_typed(message: dict[str, Any]) -> None:
    """Any JSON object sent to the agent is a Request or a BadgekeeperError."""
    parsed = _typed(parse_request, json.dumps(message), "rpc-request")
    assert parsed is None or isinstance(parsed, Request)


@FUZZ
@given(members)
def test_incoming_parse_or_fail_typed(message: dict[str, Any]) -> None:
    """Any JSON object the client receives is a Reply, a Notification or a typed error."""
    parsed = _typed(parse_incoming, json.dumps(message), "rpc-incoming")
    assert parsed is None or isinstance(parsed, (Reply, Notification))


@FUZZ
@given(st.binary(max_size=512) | st.text(max_size=256).map(str))
def test_raw_frames_parse_or_fail_typed(data: bytes | str) -> None:
    """Arbitrary bytes or text (not JSON, not UTF-8, deep nesting) fail typed."""
    _typed(parse_request, data, "rpc-raw")
    _typed(parse_incoming, data, "rpc-raw")


@FUZZ
@given(st.integers(min_value=1, max_value=50_000))
def test_deep_nesting_fails_typed(depth: int) -> None:
    """JSON nested deeper than the parser can go is a ProtocolError, not a RecursionError."""
    _typed(parse_request, "[" * depth + "]" * depth, "rpc-nesting")


@FUZZ
@given(values)
def test_wire_errors_become_typed_errors(error: Any) -> None:
    """Any error object from the wire becomes a BadgekeeperError that can be answered again."""
    ran("rpc-error")
    converted = error_from_wire(error)
    assert isinstance(converted, BadgekeeperError)
    json.dumps(error_message(1, converted))
