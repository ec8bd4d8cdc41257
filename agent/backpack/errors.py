"""Backpack errors: what went wrong talking to a backpack, and whether trying again can help.

Hierarchy::

    BadgekeeperError
    └── BackpackError            a backpack refused, failed or could not be reached
                                 (``retryable``: the upload queue tries again later;
                                 ``backpack_wide``: every upload to that backpack would fail
                                 the same way now, so the queue does not ask again for each)

Messages name the backpack and its host, never a token, a password or a full URL with a query.
aiohttp's exceptions become these in :mod:`agent.backpack.http`.
"""

from __future__ import annotations

from agent.errors import BadgekeeperError, ErrorCode

# Codes the queue retries by itself (with backoff); every other code fails an upload for good
# or waits for the user (not connected, reconnect).
RETRYABLE = frozenset(
    {ErrorCode.BACKPACK_UNREACHABLE, ErrorCode.BACKPACK_TIMEOUT, ErrorCode.BACKPACK_SERVER_ERROR}
)
# Codes that say nothing about one badge: the backpack (or our sign-in there) is the problem.
BACKPACK_WIDE = RETRYABLE | {
    ErrorCode.BACKPACK_NOT_CONNECTED,
    ErrorCode.BACKPACK_RECONNECT,
    ErrorCode.BACKPACK_AUTH_FAILED,
    ErrorCode.BACKPACK_DISCOVERY_FAILED,
}
# Codes after which uploads wait for the user to connect the backpack again.
NEEDS_CONNECT = frozenset({ErrorCode.BACKPACK_NOT_CONNECTED, ErrorCode.BACKPACK_RECONNECT})


class BackpackError(BadgekeeperError):
    """A backpack problem. ``retry_after`` is the backpack's own Retry-After, in seconds."""

    def __init__(
        self, code: ErrorCode, message: str | None = None, *, retry_after: float | None = None
    ) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE

    @property
    def backpack_wide(self) -> bool:
        return self.code in BACKPACK_WIDE

    @property
    def needs_connect(self) -> bool:
        return self.code in NEEDS_CONNECT


def not_found(name: str) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_NOT_FOUND,
        f"No backpack is named {name[:60]!r}. Run `badgekeeper backpack list` to see yours.",
    )


def not_connected(name: str) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_NOT_CONNECTED,
        f"The backpack {name!r} is not connected. Run `badgekeeper backpack connect {name}`; "
        "queued uploads start once it is connected.",
    )


def reconnect(name: str) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_RECONNECT,
        f"The backpack {name!r} no longer accepts Badgekeeper's sign-in (it was revoked or it "
        f"expired). Run `badgekeeper backpack connect {name}`; queued uploads wait and continue "
        "afterwards.",
    )


def protocol_error(host: str, what: str) -> BackpackError:
    return BackpackError(
        ErrorCode.BACKPACK_PROTOCOL_ERROR,
        f"The backpack at {host} {what}. Check the backpack's URL and kind; if they are right, "
        "tell the backpack's operator.",
    )
