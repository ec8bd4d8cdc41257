"""The relay: browser frames to the agent, the agent's replies and events to the browser.

Rules:
- A browser message is relayed unchanged once it is known to be UTF-8 JSON holding an object;
  otherwise the host answers it: ``-32700`` (not UTF-8, not JSON) or ``-32600`` (not an
  object: a batch, a number). Checking everything else is the agent's job.
- A refused caller's requests are each answered ``ORIGIN_REFUSED``; nothing is relayed and the
  agent is never contacted. Notifications (no ``id``) are never answered, by anyone.
- A request is remembered by id and by the connection it went out on until its reply comes;
  when that connection is lost, each remembered request gets an ``AGENT_UNAVAILABLE`` reply
  (exactly one reply per request: the bookkeeping and the answer happen under one lock).
- An agent message is forwarded unchanged when it fits the browser's limit; a reply that does
  not becomes a ``RESULT_TOO_LARGE`` error for its id; an event that does not is dropped with
  one line on standard error (the browser's log).
"""

from __future__ import annotations

import json
import threading

from native_host.errors import (
    AGENT_UNAVAILABLE,
    INVALID_REQUEST,
    MESSAGE_TOO_LARGE,
    ORIGIN_REFUSED,
    PARSE_ERROR,
    RESULT_TOO_LARGE,
    LinkDown,
    error_reply,
    rpc_error_reply,
)
from native_host.framing import MAX_INCOMING, MAX_OUTGOING

TYPE_CHECKING = False  # typing costs start-up time; mypy still reads the imports below
if TYPE_CHECKING:
    from collections.abc import Callable

    from native_host.agent_link import AgentLink

CONNECT_TIMEOUT = 15.0  # long enough for the agent to be started on a slow machine
MAX_ID_CHARS = 200  # agent.rpc.protocol.MAX_ID_CHARS
ID_PREFIX = b'{"jsonrpc":"2.0","id":'  # how the agent writes every reply
ID_SCAN_BYTES = 2048
_DECODER = json.JSONDecoder()

IdKey = tuple[type, object]


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def request_id_of(message: dict[str, object]) -> object:
    """The id a reply to ``message`` carries: its own when well formed, else null."""
    value = message.get("id")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    if isinstance(value, str) and len(value) > MAX_ID_CHARS:
        return None
    return value


def reply_id(data: bytes) -> tuple[bool, object]:
    """``(is_reply, id)`` of a message from the agent; ``(False, None)`` for an event.

    The agent writes ``{"jsonrpc":"2.0","id":…`` first in every reply, so the id is read from
    the first bytes, without parsing a large result; anything else is parsed in full.
    """
    if data.startswith(ID_PREFIX):
        head = data[: len(ID_PREFIX) + ID_SCAN_BYTES].decode("utf-8", "ignore")
        try:
            value, _ = _DECODER.raw_decode(head, len(ID_PREFIX))
        except ValueError:
            pass
        else:
            return True, value
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        return False, None
    if not isinstance(message, dict) or "method" in message:
        return False, None
    return True, message.get("id")


def _key(request_id: object) -> IdKey:
    return (type(request_id), request_id)


class Relay:
    """Routes messages between the browser (``to_browser``) and the agent (``link``)."""

    def __init__(
        self,
        to_browser: Callable[[bytes], None],
        link: AgentLink | None,
        refusal: str | None = None,
        *,
        complain: Callable[[str], None] = lambda line: None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self._to_browser = to_browser
        self._link = link
        self._refusal = refusal
        self._complain = complain
        self._connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._pending: dict[IdKey, list[int]] = {}

    def attach(self, link: AgentLink) -> None:
        """Relay to ``link`` (made after the relay, since it calls the relay back)."""
        self._link = link

    # -- from the browser --

    def from_browser(self, frame: bytes) -> None:
        """Relay or answer one message the extension sent."""
        try:
            message = json.loads(frame.decode("utf-8"), parse_constant=_refuse_constant)
        except UnicodeDecodeError:
            self._to_browser(rpc_error_reply(None, PARSE_ERROR, "The message is not UTF-8 text."))
            return
        except (ValueError, RecursionError) as exc:
            self._to_browser(
                rpc_error_reply(None, PARSE_ERROR, f"The message is not valid JSON ({exc}).")
            )
            return
        if not isinstance(message, dict):
            self._to_browser(
                rpc_error_reply(
                    None,
                    INVALID_REQUEST,
                    "A request is one JSON object; batches are not supported.",
                )
            )
            return
        expects_reply = "id" in message
        request_id = request_id_of(message)
        del message
        if self._refusal is not None or self._link is None:
            if expects_reply:
                refusal = self._refusal or "This native host relays nothing."
                self._to_browser(error_reply(request_id, ORIGIN_REFUSED, refusal))
            return
        self._forward(frame, request_id if expects_reply else None, expects_reply)

    def _forward(self, frame: bytes, request_id: object, expects_reply: bool) -> None:
        assert self._link is not None
        tracked = expects_reply and request_id is not None
        try:
            connection = self._link.connection(self._connect_timeout)
        except LinkDown as exc:
            if expects_reply:
                self._to_browser(error_reply(request_id, exc.name, exc.message))
            return
        if tracked:
            with self._lock:
                self._pending.setdefault(_key(request_id), []).append(connection.generation)
        try:
            connection.send(frame)
        except LinkDown as exc:
            if tracked:
                self._answer_if_pending(request_id, connection.generation, exc.message)
            elif expects_reply:
                self._to_browser(error_reply(request_id, AGENT_UNAVAILABLE, exc.message))

    def too_large(self, length: int) -> None:
        """Answer a message longer than the host accepts (its bytes are skipped unread)."""
        self._to_browser(
            error_reply(
                None,
                MESSAGE_TOO_LARGE,
                f"The message of {length} bytes is larger than the {MAX_INCOMING} bytes the "
                "native host accepts. Badges are far smaller; send the badge image itself.",
            )
        )

    def truncated(self, reason: str) -> None:
        """Answer a message the browser cut short (the input then ended)."""
        self._to_browser(
            rpc_error_reply(None, PARSE_ERROR, f"The message was cut short: {reason}.")
        )

    # -- from the agent --

    def from_agent(self, data: bytes) -> None:
        """Forward one message the agent sent (a reply or an event)."""
        is_reply, request_id = reply_id(data)
        if is_reply and request_id is not None:
            with self._lock:
                generations = self._pending.get(_key(request_id))
                if generations:
                    generations.pop(0)
                    if not generations:
                        del self._pending[_key(request_id)]
        if len(data) > MAX_OUTGOING:
            if is_reply:
                self._to_browser(
                    error_reply(
                        request_id,
                        RESULT_TOO_LARGE,
                        f"The answer ({len(data)} bytes) is larger than a browser accepts "
                        "(1 MiB). Use the `badgekeeper` command for this, for example "
                        "`badgekeeper export ID`.",
                    )
                )
            else:
                self._complain(f"dropped an event of {len(data)} bytes (over 1 MiB)")
            return
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            self._complain("dropped a message from the agent that is not UTF-8")
            return
        self._to_browser(data)

    def agent_lost(self, generation: int) -> None:
        """Answer every request still owed by the connection ``generation``."""
        owed: list[object] = []
        with self._lock:
            for key in list(self._pending):
                generations = self._pending[key]
                kept = [g for g in generations if g != generation]
                owed.extend([key[1]] * (len(generations) - len(kept)))
                if kept:
                    self._pending[key] = kept
                else:
                    del self._pending[key]
        for request_id in owed:
            self._to_browser(
                error_reply(
                    request_id,
                    AGENT_UNAVAILABLE,
                    "The agent stopped before answering this request. Send it again; the agent "
                    "starts when it is needed.",
                )
            )

    def _answer_if_pending(self, request_id: object, generation: int, message: str) -> None:
        with self._lock:
            generations = self._pending.get(_key(request_id))
            if not generations or generation not in generations:
                return  # agent_lost already answered it
            generations.remove(generation)
            if not generations:
                del self._pending[_key(request_id)]
        self._to_browser(error_reply(request_id, AGENT_UNAVAILABLE, message))

    @property
    def pending_count(self) -> int:
        with self._lock:
            return sum(len(generations) for generations in self._pending.values())
