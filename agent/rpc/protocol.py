"""JSON-RPC 2.0 messages of the agent protocol: parsing, validation and serialisation.

This is the ONE place where errors become wire errors (:func:`error_object`) and wire errors
become exceptions again (:func:`error_from_wire`). Pure: no I/O, no asyncio.

Rules:
- One message per frame; a batch (a JSON array) is answered ``-32600`` and nothing is run.
- ``jsonrpc`` must be ``"2.0"``; ``method`` a non-empty string; ``params`` an object or absent
  (an array is ``-32602``: parameters go by name); ``id`` a string or an integer, or absent for a
  notification, which is run but never answered. Any other member is ``-32600``.
- JSON's ``NaN``/``Infinity`` are refused, and so is nesting too deep to parse: ``-32700``.
- Our errors go out as ``{"code": <ErrorCode.number>, "message": <sentence>,
  "data": {"name": <ErrorCode.name>}}``; JSON-RPC's own errors keep their ``-32xxx`` codes.
  Anything unexpected is ``-32603`` with a fixed sentence: never a traceback on the wire.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent.errors import BadgekeeperError, ErrorCode

PROTOCOL_VERSION = 1

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
_RESERVED = range(-32768, -31999)  # JSON-RPC's own codes, -32768 … -32000

MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # per frame, either way; the native host's limit too
MAX_METHOD_CHARS = 100
MAX_ID_CHARS = 200
MAX_SAFE_INTEGER = 2**53 - 1  # what a JavaScript peer can hold exactly
INTERNAL_MESSAGE = ErrorCode.INTERNAL_ERROR.hint

RequestId = str | int

# The ErrorCode a JSON-RPC code stands for when it reaches our code as an exception.
_RPC_ERROR_CODES = {
    INVALID_PARAMS: ErrorCode.INVALID_ARGUMENT,
    INTERNAL_ERROR: ErrorCode.INTERNAL_ERROR,
}


class ProtocolError(BadgekeeperError):
    """A JSON-RPC level error (``-32700`` … ``-32603``): the message itself was wrong.

    ``request_id`` is the id of the request it answers, when one could be read. ``param`` names
    the offending parameter of an invalid-params error.
    """

    def __init__(
        self,
        rpc_code: int,
        message: str,
        *,
        request_id: RequestId | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(_RPC_ERROR_CODES.get(rpc_code, ErrorCode.PROTOCOL_ERROR), message)
        self.rpc_code = rpc_code
        self.request_id = request_id
        self.param = param


@dataclass(frozen=True)
class Request:
    """A request (``id`` set) or a notification (``notification`` true, no reply)."""

    method: str
    params: Any
    id: RequestId | None = None
    notification: bool = False


@dataclass(frozen=True)
class Reply:
    """A reply the client received: a result, or an error turned back into an exception."""

    id: RequestId | None
    result: Any = None
    error: BadgekeeperError | None = None


@dataclass(frozen=True)
class Notification:
    """A message without an id pushed by the agent: an event."""

    method: str
    params: dict[str, Any]


# --- decoding ---


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(data: str | bytes) -> Any:
    """The JSON value in one frame; ``ProtocolError(-32700)`` when it is not JSON."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise ProtocolError(PARSE_ERROR, "The message is not UTF-8 text.") from exc
    except RecursionError as exc:
        raise ProtocolError(PARSE_ERROR, "The message nests JSON too deeply to read.") from exc
    except ValueError as exc:  # json.JSONDecodeError, NaN, huge integers
        raise ProtocolError(PARSE_ERROR, f"The message is not valid JSON ({exc}).") from exc


def _request_id(message: dict[str, Any]) -> RequestId | None:
    value = message["id"]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProtocolError(INVALID_REQUEST, "A request id is a string or an integer.")
    if isinstance(value, str) and len(value) > MAX_ID_CHARS:
        raise ProtocolError(INVALID_REQUEST, f"A request id has at most {MAX_ID_CHARS} characters.")
    if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
        raise ProtocolError(INVALID_REQUEST, "A request id integer must fit in 53 bits.")
    return value


def parse_request(data: str | bytes) -> Request:
    """Read one request or notification sent to the agent.

    Raises :class:`ProtocolError`; its ``request_id`` is set when the id could be read, so the
    error reply can name it.
    """
    message = decode_json(data)
    if isinstance(message, list):
        raise ProtocolError(
            INVALID_REQUEST, "Batches are not supported: send one request per message."
        )
    if not isinstance(message, dict):
        raise ProtocolError(INVALID_REQUEST, "A request is a JSON object.")
    request_id = _request_id(message) if "id" in message else None
    try:
        return _parse_members(message, request_id)
    except ProtocolError as exc:
        exc.request_id = request_id
        raise


def _parse_members(message: dict[str, Any], request_id: RequestId | None) -> Request:
    if message.get("jsonrpc") != "2.0":
        raise ProtocolError(INVALID_REQUEST, 'A request says "jsonrpc": "2.0".')
    unknown = sorted(set(message) - {"jsonrpc", "method", "params", "id"})
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise ProtocolError(INVALID_REQUEST, f"A request has no member {shown}.")
    method = message.get("method")
    if not isinstance(method, str) or not method or len(method) > MAX_METHOD_CHARS:
        raise ProtocolError(INVALID_REQUEST, "A request names its method as a non-empty string.")
    params = message.get("params")
    if isinstance(params, list):
        raise ProtocolError(
            INVALID_PARAMS, f"{method} takes its parameters by name (an object), not a list."
        )
    if "params" in message and not isinstance(params, dict):
        raise ProtocolError(INVALID_PARAMS, f"The params of {method} are a JSON object.")
    return Request(method=method, params=params, id=request_id, notification="id" not in message)


def parse_incoming(data: str | bytes) -> Reply | Notification:
    """Read one message the agent sent to a client: a reply or an event."""
    message = decode_json(data)
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise ProtocolError(INVALID_REQUEST, "The agent sent a message that is not JSON-RPC 2.0.")
    if "method" in message:
        method, params = message["method"], message.get("params", {})
        if not isinstance(method, str) or not isinstance(params, dict):
            raise ProtocolError(INVALID_REQUEST, "The agent sent a malformed event.")
        return Notification(method, params)
    request_id = message.get("id")
    if request_id is not None and (
        isinstance(request_id, bool) or not isinstance(request_id, (str, int))
    ):
        raise ProtocolError(INVALID_REQUEST, "The agent sent a reply with a malformed id.")
    if "error" in message:
        return Reply(request_id, error=error_from_wire(message["error"]))
    if "result" not in message:
        raise ProtocolError(INVALID_REQUEST, "The agent sent a reply with no result or error.")
    return Reply(request_id, result=message["result"])


def error_from_wire(error: Any) -> BadgekeeperError:
    """The exception a wire error stands for (the inverse of :func:`error_object`)."""
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        return ProtocolError(INTERNAL_ERROR, "The agent sent a malformed error.")
    number: int = error["code"]
    message = error.get("message")
    text = message if isinstance(message, str) and message else None
    data = error.get("data")
    if number in _RESERVED:
        param = data.get("param") if isinstance(data, dict) else None
        return ProtocolError(
            number,
            text or INTERNAL_MESSAGE,
            param=param if isinstance(param, str) else None,
        )
    name = data.get("name") if isinstance(data, dict) else None
    code = _code_named(name) or _code_numbered(number) or ErrorCode.INTERNAL_ERROR
    return BadgekeeperError(code, text)


def _code_named(name: Any) -> ErrorCode | None:
    if not isinstance(name, str):
        return None
    return ErrorCode.__members__.get(name)


def _code_numbered(number: int) -> ErrorCode | None:
    return next((code for code in ErrorCode if code.number == number), None)


# --- encoding ---


def encode(message: dict[str, Any]) -> str:
    """Compact JSON text of one message (UTF-8 on the wire; ``NaN`` refused)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def result_message(request_id: RequestId | None, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def error_object(exc: BaseException) -> dict[str, Any]:
    """The wire form of an error. Anything not ours is ``-32603`` with a fixed sentence."""
    if isinstance(exc, ProtocolError):
        wire: dict[str, Any] = {"code": exc.rpc_code, "message": exc.message}
        if exc.param is not None:
            wire["data"] = {"param": exc.param}
        return wire
    if isinstance(exc, BadgekeeperError):
        return {"code": exc.code.number, "message": exc.message, "data": {"name": exc.code.name}}
    return {
        "code": INTERNAL_ERROR,
        "message": INTERNAL_MESSAGE,
        "data": {"name": ErrorCode.INTERNAL_ERROR.name},
    }


def error_message(request_id: RequestId | None, exc: BaseException) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": error_object(exc)}


def request_message(
    request_id: RequestId | None, method: str, params: dict[str, Any] | None
) -> dict[str, Any]:
    """A request (``request_id`` None makes it a notification)."""
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    if request_id is not None:
        message["id"] = request_id
    return message


def notification_message(event: str, params: dict[str, Any]) -> dict[str, Any]:
    """An event pushed to clients."""
    return {"jsonrpc": "2.0", "method": event, "params": params}
