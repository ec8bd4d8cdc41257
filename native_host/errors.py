"""The errors the native host answers itself, in the agent protocol's wire form.

Hierarchy::

    HostError          an error with a code, answered to the extension as a JSON-RPC error
    └── LinkDown       the agent could not be reached (or was lost); carries the reason

The numbers and names are those of ``agent.errors.ErrorCode`` (a test keeps them equal). The
host does not import ``agent.errors``: everything under ``agent`` stays out of its start-up.
"""

from __future__ import annotations

import json

PARSE_ERROR = -32700
INVALID_REQUEST = -32600

# name -> number, as in agent.errors.ErrorCode.
AGENT_UNAVAILABLE = "AGENT_UNAVAILABLE"
UNAUTHORIZED = "UNAUTHORIZED"
ORIGIN_REFUSED = "ORIGIN_REFUSED"
MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
AGENT_BUSY = "AGENT_BUSY"
RESULT_TOO_LARGE = "RESULT_TOO_LARGE"
CODE_NUMBERS = {
    AGENT_UNAVAILABLE: 1700,
    UNAUTHORIZED: 1701,
    ORIGIN_REFUSED: 1702,
    MESSAGE_TOO_LARGE: 1703,
    AGENT_BUSY: 1704,
    RESULT_TOO_LARGE: 1705,
}


class HostError(Exception):
    """An error the host answers itself; ``name`` is an agent ErrorCode name."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


class LinkDown(HostError):
    """The agent is not reachable; the message says why and what to do."""

    def __init__(self, message: str, name: str = AGENT_UNAVAILABLE, *, final: bool = False):
        super().__init__(name, message)
        self.final = final  # retrying cannot help (a refused token or origin)


def error_reply(request_id: object, name: str, message: str) -> bytes:
    """A JSON-RPC error reply carrying one of our codes, as UTF-8 JSON."""
    error = {"code": CODE_NUMBERS[name], "message": message, "data": {"name": name}}
    return _encode({"jsonrpc": "2.0", "id": request_id, "error": error})


def rpc_error_reply(request_id: object, rpc_code: int, message: str) -> bytes:
    """A JSON-RPC error reply with one of JSON-RPC's own codes (-32700, -32600)."""
    return _encode(
        {"jsonrpc": "2.0", "id": request_id, "error": {"code": rpc_code, "message": message}}
    )


def _encode(message: dict[str, object]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
