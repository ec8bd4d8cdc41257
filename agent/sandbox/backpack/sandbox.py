"""The sandbox: the sample issuer and the sandbox backpack together, with a demo account.

Badges issued through :meth:`Sandbox.issue` to an address that a backpack account has show up
in that account at once, as pending (auto-association, as Badgr does for verified addresses);
uploading them accepts them.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from agent.bakery import read_source
from agent.errors import BadgekeeperError
from agent.sandbox.backpack.app import BackpackServer, run_backpack
from agent.sandbox.backpack.store import StoredBadge
from agent.sandbox.issuer import IssuedBadge, SampleIssuer
from agent.sandbox.issuer_app import IssuerServer, run_issuer

DEMO_EMAIL = "earner@sandbox.example"
DEMO_PASSWORD = "sandbox-demo"  # noqa: S105 - the sandbox's published demo account


@dataclass
class Sandbox:
    """A running issuer and backpack on loopback."""

    issuer: IssuerServer
    backpack: BackpackServer

    @property
    def issuer_host(self) -> str:
        return self.issuer.base_url.removeprefix("http://")

    def issue(self, make: Callable[[SampleIssuer], IssuedBadge], recipient: str) -> IssuedBadge:
        """Issue a badge (``make`` calls one of the issuer's ``issue_*``) to ``recipient``."""
        badge = make(self.issuer.issuer)
        self.associate(recipient, badge)
        return badge

    def associate(self, recipient: str, badge: IssuedBadge) -> bool:
        """Show ``badge`` in the account that has ``recipient``, if one does."""
        store = self.backpack.store
        account_id = store.account_for_email(recipient)
        if account_id is None:
            return False
        try:
            unbaked = read_source(badge.image)
        except BadgekeeperError:
            return False
        store.associate(
            StoredBadge(
                id=secrets.token_hex(6),
                account_id=account_id,
                assertion_id=badge.assertion_id,
                spec=unbaked.spec_hint or "ob2",
                payload_kind=unbaked.kind.value,
                payload=badge.payload,
                image=badge.image,
                image_type=badge.media_type,
                image_url=None,
                name=badge.label,
                description=None,
                issuer_name=self.issuer.issuer.name,
                issued_on=None,
                state="pending",
            )
        )
        return True


@asynccontextmanager
async def run_sandbox(
    *,
    port: int = 0,
    data_dir: Path | None = None,
    account: tuple[str, str] | None = (DEMO_EMAIL, DEMO_PASSWORD),
    host: str = "127.0.0.1",
) -> AsyncIterator[Sandbox]:
    """The issuer on ``port`` and the backpack on ``port + 1`` (both free ports when 0)."""
    async with run_issuer(host, port) as issuer:
        allow = issuer.base_url.removeprefix("http://")
        backpack_port = port + 1 if port else 0
        async with run_backpack(
            data_dir=data_dir, host=host, port=backpack_port, allow_hosts=allow
        ) as backpack:
            if account is not None:
                backpack.add_account(*account)
            yield Sandbox(issuer, backpack)
