"""JSON-RPC messages: parsing, the one mapping of errors to the wire, and back."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import BadgekeeperError, ErrorCode, LibraryError
from agent.rpc.protocol import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    Notification,
    ProtocolError,
    Reply,
    encode,
    error_from_wire,
    error_message,
    error_object,
    notification_message,
    parse_incoming,
    parse_request,
    request_message,
    result_message,
)


def test_a_request_and_a_notification_are_told_apart() -> None:
    """A message with an id is a request; without one, a notification."""
    request = parse_request('{"jsonrpc":"2.0","id":"a1","method":"badge.get","params":{"id":"x"}}')
    assert (request.id, request.method, request.params, request.notification) == (
        "a1",
        "badge.get",
        {"id": "x"},
        False,
    )
    note = parse_request(b'{"jsonrpc":"2.0","method":"agent.hello"}')
    assert note.notification and note.id is None and note.params is None


@pytest.mark.parametrize(
    ("text", "code", "request_id"),
    [
        ("{", PARSE_ERROR, None),
        ('{"jsonrpc":"2.0","id":1,"method":"m","params":{"x":Infinity}}', PARSE_ERROR, None),
        ("1" * 5000, PARSE_ERROR, None),
        ("[]", INVALID_REQUEST, None),
        ('"text"', INVALID_REQUEST, None),
        ('{"jsonrpc":"2.0","id":true,"method":"m"}', INVALID_REQUEST, None),
        ('{"jsonrpc":"2.0","id":1.5,"method":"m"}', INVALID_REQUEST, None),
        ('{"jsonrpc":"2.0","id":9007199254740993,"method":"m"}', INVALID_REQUEST, None),
        ('{"jsonrpc":"2.0","id":"' + "x" * 201 + '","method":"m"}', INVALID_REQUEST, None),
        ('{"jsonrpc":"2.0","id":3,"method":""}', INVALID_REQUEST, 3),
        ('{"jsonrpc":"2.0","id":3,"method":"m","result":1}', INVALID_REQUEST, 3),
        ('{"jsonrpc":"2.0","id":4,"method":"m","params":[1]}', INVALID_PARAMS, 4),
        ('{"jsonrpc":"2.0","id":5,"method":"m","params":null}', INVALID_PARAMS, 5),
    ],
)
def test_malformed_messages_raise_protocol_errors_with_the_id_when_readable(
    text: str, code: int, request_id: Any
) -> None:
    """Each malformation has its JSON-RPC code; the id is kept when it could be read."""
    with pytest.raises(ProtocolError) as raised:
        parse_request(text)
    assert raised.value.rpc_code == code
    assert raised.value.request_id == request_id


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_no_frame_makes_the_parser_raise_anything_else(frame: str | bytes) -> None:
    """Arbitrary text or bytes give a request or a ProtocolError, never another exception."""
    with contextlib.suppress(ProtocolError):
        parse_request(frame)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["jsonrpc", "id", "method", "params", "x"]), children)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_no_json_value_makes_the_parser_raise_anything_else(value: Any) -> None:
    """Any JSON value (often nearly a request) parses or is a ProtocolError."""
    try:
        request = parse_request(json.dumps(value))
    except ProtocolError:
        return
    assert isinstance(request.method, str)
    assert request.params is None or isinstance(request.params, dict)


def test_our_errors_go_out_with_their_number_and_name() -> None:
    """A BadgekeeperError is {code: number, message: its sentence, data: {name}}."""
    wire = error_object(LibraryError(ErrorCode.BADGE_NOT_FOUND, "No saved badge has the id 'x'."))
    assert wire == {
        "code": 1600,
        "message": "No saved badge has the id 'x'.",
        "data": {"name": "BADGE_NOT_FOUND"},
    }


def test_unexpected_exceptions_go_out_as_32603_without_their_text() -> None:
    """Anything not ours is -32603 with a fixed sentence: no message, path or traceback."""
    wire = error_object(KeyError("/home/user/secret-path"))
    assert wire["code"] == INTERNAL_ERROR
    assert "secret" not in json.dumps(wire)
    assert wire["data"] == {"name": "INTERNAL_ERROR"}


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_survives_the_round_trip(code: ErrorCode) -> None:
    """error_from_wire(error_object(e)) gives back the same code and message."""
    back = error_from_wire(error_object(BadgekeeperError(code, "Say what to do.")))
    assert (back.code, back.message) == (code, "Say what to do.")


def test_protocol_errors_survive_the_round_trip_with_their_parameter() -> None:
    """-32602 keeps its JSON-RPC code and the parameter it names."""
    wire = error_object(ProtocolError(INVALID_PARAMS, "badge.list: 'limit' …", param="limit"))
    assert wire == {"code": -32602, "message": "badge.list: 'limit' …", "data": {"param": "limit"}}
    back = error_from_wire(wire)
    assert isinstance(back, ProtocolError)
    assert (back.rpc_code, back.param, back.code) == (-32602, "limit", ErrorCode.INVALID_ARGUMENT)


def test_a_code_from_a_newer_agent_is_read_by_number_or_as_internal() -> None:
    """An unknown name falls back to the number; an unknown number to INTERNAL_ERROR."""
    by_number = error_from_wire({"code": 1403, "message": "m", "data": {"name": "FUTURE"}})
    assert by_number.code is ErrorCode.RECIPIENT_MISMATCH
    unknown = error_from_wire({"code": 4242, "message": "m"})
    assert unknown.code is ErrorCode.INTERNAL_ERROR
    assert error_from_wire("garbage").code is ErrorCode.INTERNAL_ERROR


def test_incoming_replies_and_events_are_read() -> None:
    """The client reads results, errors and notifications the agent sends."""
    ok = parse_incoming(encode(result_message(3, {"a": 1})))
    assert ok == Reply(3, result={"a": 1})
    failed = parse_incoming(encode(error_message(4, BadgekeeperError(ErrorCode.REVOKED))))
    assert isinstance(failed, Reply) and failed.error is not None
    assert failed.error.code is ErrorCode.REVOKED
    event = parse_incoming(encode(notification_message("badge.deleted", {"id": "ab"})))
    assert event == Notification("badge.deleted", {"id": "ab"})
    for broken in ('{"jsonrpc":"2.0","id":1}', '{"id":1,"result":1}', "[1]"):
        with pytest.raises(ProtocolError):
            parse_incoming(broken)


def test_requests_are_encoded_compactly_and_refuse_nan() -> None:
    """Messages are compact UTF-8 JSON; NaN never reaches the wire."""
    text = encode(request_message(1, "badge.list", {"text": "café"}))
    assert text == '{"jsonrpc":"2.0","method":"badge.list","params":{"text":"café"},"id":1}'
    assert "id" not in encode(request_message(None, "agent.hello", None))
    with pytest.raises(ValueError):
        encode(result_message(1, float("nan")))
