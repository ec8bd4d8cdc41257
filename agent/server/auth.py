"""Who may open a connection: judged at the websocket handshake, before anything else runs.

Rules (checked in this order; the first that fails answers, and nothing else is answered):
- An ``Origin`` header, of any value, is refused with 403: browsers send one from web pages,
  and our own clients (native host, CLI) never do.
- On TCP (Windows) the ``Host`` header must name the loopback address and our port exactly,
  else 403: a DNS-rebinding page reaches 127.0.0.1 under another name.
- ``Authorization: Bearer <token>`` must carry this run's token (compared in constant time),
  else 401. The token never appears in a reply or a log line.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Protocol

LOOPBACK = "127.0.0.1"


class HeaderLookup(Protocol):
    """What the judge needs of the request headers (websockets' ``Headers`` has it)."""

    def get_all(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Refusal:
    """An HTTP answer to a handshake that is not let in."""

    status: int
    reason: str


def bearer(token: str) -> str:
    """The ``Authorization`` header value a client sends."""
    return f"Bearer {token}"


def host_allowed(values: list[str], port: int) -> bool:
    """True when the request names exactly our loopback address and port."""
    return len(values) == 1 and values[0].strip().lower() in {
        f"{LOOPBACK}:{port}",
        f"localhost:{port}",
    }


def token_matches(values: list[str], token: str) -> bool:
    if len(values) != 1:
        return False
    scheme, _, presented = values[0].strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def judge_handshake(headers: HeaderLookup, token: str, *, tcp_port: int | None) -> Refusal | None:
    """None when the connection may proceed; else the refusal to answer with."""
    if headers.get_all("Origin"):
        return Refusal(403, "Connections from web pages are refused.\n")
    if tcp_port is not None and not host_allowed(headers.get_all("Host"), tcp_port):
        return Refusal(403, "Connect to the agent by its loopback address.\n")
    if not token_matches(headers.get_all("Authorization"), token):
        return Refusal(401, "A valid agent token is required.\n")
    return None
