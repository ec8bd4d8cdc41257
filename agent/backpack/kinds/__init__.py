"""One client per kind of backpack, all answering the same few questions.

``client_for`` picks the client of a backpack's kind; each sends its kind's requests through an
:class:`agent.backpack.authorized.AuthorizedApi` and reads its kind's answers into a
:class:`agent.backpack.answers.Receipt` or a :class:`agent.backpack.errors.BackpackError`.
"""

from __future__ import annotations

from typing import Protocol

from agent.backpack.answers import Receipt
from agent.backpack.authorized import AuthorizedApi
from agent.backpack.kinds.badge_connect import BadgeConnectClient
from agent.backpack.kinds.badgr import BadgrClient
from agent.backpack.kinds.ob3_api import Ob3ApiClient
from agent.backpack.payloads import UploadItem


class BackpackClient(Protocol):
    """What the upload queue and the service ask of any backpack."""

    async def upload(self, item: UploadItem) -> Receipt:
        """Deliver one badge; a duplicate answer is a receipt with ``duplicate`` set."""
        ...

    async def remote_ids(self) -> list[str]:
        """The assertion or credential ids (Badgr: entity ids) the account holds."""
        ...

    async def account_email(self) -> str | None:
        """The e-mail address the backpack account uses, when the backpack says."""
        ...


def client_for(api: AuthorizedApi) -> BackpackClient:
    kind = api.config.kind
    if kind == "badge-connect":
        return BadgeConnectClient(api)
    if kind == "ob3":
        return Ob3ApiClient(api)
    return BadgrClient(api)


__all__ = ["BackpackClient", "BadgeConnectClient", "BadgrClient", "Ob3ApiClient", "client_for"]
