"""BackpackService: the user's backpacks, their connections and the upload queue, for one home.

Rules:
- Opened and closed as an async context manager; every task it starts (the queue's loop in
  the agent, connect flows waiting for the browser, auto-uploads) is owned by its TaskOwner and
  ends with it. Auto-upload tasks are short and are let finish first, so a CLI save that
  queues an upload has queued it before the process exits.
- ``background`` (the agent) runs the queue's loop; without it (the CLI) uploads run when
  drained.
- Secrets stay in the token file; what this service returns and logs names backpacks only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from agent.backpack import connect, oauth
from agent.backpack.answers import Receipt
from agent.backpack.authorized import AuthorizedApi
from agent.backpack.backoff import RetryPolicy
from agent.backpack.collection_push import push_collection
from agent.backpack.config import BackpackConfig, Endpoints
from agent.backpack.errors import BackpackError, not_connected, not_found, reconnect
from agent.backpack.http import BackpackHttp, checked_url
from agent.backpack.kinds import client_for
from agent.backpack.payloads import check_accepts, upload_item
from agent.backpack.queue import DrainReport, UploadQueue
from agent.backpack.registry import BackpackRegistry
from agent.backpack.tokens import Credentials, TokenStore
from agent.errors import BadgekeeperError, ErrorCode
from agent.keeper import EventSink
from agent.library import AsyncLibrary, UploadRecord
from agent.library.saving import iso
from agent.paths import Paths
from agent.rpc.events import BACKPACK_CONNECTED
from agent.server.tasks import TaskOwner
from agent.verify.context import Clock, utc_now

log = logging.getLogger(__name__)

AUTO_UPLOAD_KEY = "auto_upload"
QUICK_TASKS_GRACE = 10.0


class BackpackService:
    """Backpacks (config, tokens, connections) and the upload queue of one library."""

    def __init__(
        self,
        paths: Paths,
        library: AsyncLibrary,
        events: EventSink,
        *,
        background: bool = False,
        http: BackpackHttp | None = None,
        policy: RetryPolicy | None = None,
        clock: Clock = utc_now,
        epoch: Callable[[], float] = time.time,
        connect_timeout: float = connect.CONNECT_TIMEOUT,
    ) -> None:
        self.library = library
        self.registry = BackpackRegistry(library)
        self.events = events
        self.tokens = TokenStore(paths)
        self.http = http or BackpackHttp()
        self.queue = UploadQueue(library, self, events, policy=policy, clock=clock)
        self._background = background
        self._clock = clock
        self._epoch = epoch
        self._connect_timeout = connect_timeout
        self._refresh_locks: dict[str, asyncio.Lock] = {}
        self._flows = TaskOwner("backpack-flows")
        self._quick = TaskOwner("backpack-auto-upload")
        self._connects: dict[str, asyncio.Task[BackpackConfig]] = {}

    async def __aenter__(self) -> BackpackService:
        await self._flows.__aenter__()
        await self._quick.__aenter__()
        if self._background:
            self._flows.start(self.queue.run(), name="upload-queue")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await self._quick.wait(QUICK_TASKS_GRACE)
            await self._quick.__aexit__(None, None, None)
            await self._flows.__aexit__(None, None, None)
        finally:
            await self.http.close()

    # --- the backpacks ---

    async def configs(self) -> dict[str, BackpackConfig]:
        return await self.registry.configs()

    async def get(self, name: str) -> BackpackConfig:
        return await self.registry.get(name)

    async def _update(self, name: str, **changes: Any) -> BackpackConfig:
        return await self.registry.update(name, **changes)

    async def _credentials(self, name: str) -> Credentials | None:
        return await asyncio.to_thread(self.tokens.get, name)

    async def describe(self, config: BackpackConfig) -> dict[str, Any]:
        held = await self._credentials(config.name)
        view = config.to_json(has_tokens=held is not None and held.has_token)
        view["connecting"] = config.name in self._connects
        return view

    async def list_backpacks(self) -> list[dict[str, Any]]:
        return [await self.describe(config) for config in (await self.configs()).values()]

    async def add(
        self,
        name: str,
        kind: str,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        default: bool | None = None,
    ) -> dict[str, Any]:
        """Add a backpack; a Badgr one given a password signs in at once."""
        checked = str(checked_url(url)).rstrip("/")
        config = await self.registry.add(
            name,
            kind,
            checked,
            added_at=iso(self._clock()),
            username=username,
            default=default,
        )
        log.info("backpack %s added (%s)", name, kind)
        if password is not None:
            return await self.login(name, username or "", password)
        return await self.describe(config)

    async def remove(self, name: str) -> dict[str, Any]:
        """Disconnect, forget the backpack and its upload records."""
        await self.disconnect(name)
        await self.registry.remove(name)
        forgotten = await self.library.forget_backpack(name)
        log.info("backpack %s removed (%d upload records)", name, forgotten)
        return {"name": name, "uploads_forgotten": forgotten}

    async def disconnect(self, name: str) -> dict[str, Any]:
        """Revoke the tokens at the backpack (when it can), and forget them here."""
        config = await self.get(name)
        pending = self._connects.pop(name, None)
        if pending is not None:
            pending.cancel()
        held = await asyncio.to_thread(self.tokens.drop, name)
        revoked = False
        if held is not None and held.has_token and config.endpoints is not None:
            url = config.endpoints.revocation_url
            revoked = url is not None and await oauth.revoke(self.http, url, held)
        config = await self._update(name, connected_at=None, needs_reconnect=False)
        log.info("backpack %s disconnected (revoked at the backpack: %s)", name, revoked)
        return {**await self.describe(config), "revoked": revoked}

    # --- connecting ---

    async def begin_connect(self, name: str) -> dict[str, Any]:
        """Start the OAuth flow; the URL comes back at once, the flow finishes in the background."""
        config = await self.get(name)
        if config.kind == "badgr":
            raise BackpackError(
                ErrorCode.INVALID_ARGUMENT,
                f"The Badgr backpack {name!r} signs in with its user name and password: run "
                f"`badgekeeper backpack login {name} --username USER --password-stdin`.",
            )
        previous = self._connects.pop(name, None)
        if previous is not None:
            previous.cancel()
        ready: asyncio.Future[connect.Authorization] = asyncio.get_running_loop().create_future()

        def hand_over(authorization: connect.Authorization) -> None:
            if not ready.done():
                ready.set_result(authorization)

        task = self._flows.start(self._connect_flow(config, hand_over), name=f"connect:{name}")
        self._connects[name] = task
        task.add_done_callback(lambda done: self._connect_finished(name, done, ready))
        authorization = await ready
        log.info("backpack %s: waiting for the user's approval", name)
        return {
            "name": name,
            "authorization_url": authorization.url,
            "redirect_uri": authorization.redirect_uri,
            "expires_in": self._connect_timeout,
        }

    def _connect_finished(
        self,
        name: str,
        task: asyncio.Task[BackpackConfig],
        ready: asyncio.Future[connect.Authorization],
    ) -> None:
        if self._connects.get(name) is task:
            del self._connects[name]
        if not ready.done():  # the flow failed before it had a URL: the caller gets why
            if task.cancelled():
                ready.cancel()
            else:
                ready.set_exception(task.exception() or RuntimeError("connect ended"))

    async def _connect_flow(
        self, config: BackpackConfig, hand_over: Callable[[connect.Authorization], None]
    ) -> BackpackConfig:
        endpoints, credentials = await connect.oauth_connect(
            self.http,
            config,
            on_authorization=hand_over,
            now=self._epoch,
            timeout=self._connect_timeout,
        )
        return await self._connected(config, endpoints, credentials)

    async def wait_connected(self, name: str, timeout: float) -> dict[str, Any]:
        """Wait for a connect started by :meth:`begin_connect` to finish."""
        task = self._connects.get(name)
        if task is None:
            config = await self.get(name)
            if await self._credentials(name) is None:
                raise not_connected(name)
            return await self.describe(config)
        try:
            config = await asyncio.wait_for(asyncio.shield(task), timeout)
        except asyncio.TimeoutError:
            return await self.describe(await self.get(name))
        except asyncio.CancelledError:
            if task.cancelled():
                raise BackpackError(
                    ErrorCode.BACKPACK_AUTH_FAILED,
                    f"Connecting {name!r} was cancelled (a newer connect or a disconnect).",
                ) from None
            raise
        return await self.describe(config)

    async def login(self, name: str, username: str, password: str) -> dict[str, Any]:
        """Badgr's token login with a user name and password (the password is not kept)."""
        config = await self.get(name)
        if config.kind != "badgr":
            raise BackpackError(
                ErrorCode.INVALID_ARGUMENT,
                f"The backpack {name!r} connects in the browser: run `badgekeeper backpack "
                f"connect {name}`.",
            )
        if not username:
            raise BackpackError(
                ErrorCode.INVALID_ARGUMENT, "A Badgr login needs the account's user name."
            )
        endpoints, credentials = await connect.password_login(
            self.http, config, username=username, password=password, now=self._epoch
        )
        config = await self._update(name, username=username)
        return await self.describe(await self._connected(config, endpoints, credentials))

    async def _connected(
        self, config: BackpackConfig, endpoints: Endpoints, credentials: Credentials
    ) -> BackpackConfig:
        await asyncio.to_thread(self.tokens.put, config.name, credentials)
        config = await self._update(
            config.name,
            endpoints=endpoints,
            needs_reconnect=False,
            connected_at=iso(self._clock()),
        )
        try:
            account = await client_for(self.api(config)).account_email()
        except BackpackError as exc:
            log.info("backpack %s: the account's address is unknown (%s)", config.name, exc.code)
            account = None
        if account is not None:
            config = await self._update(config.name, account=account)
        log.info("backpack %s connected", config.name)
        self.events.publish(BACKPACK_CONNECTED, {"backpack": await self.describe(config)})
        self.queue.wake()
        return config

    def api(self, config: BackpackConfig) -> AuthorizedApi:
        """The backpack's API with this service's tokens (refreshed once, under a lock)."""
        lock = self._refresh_locks.setdefault(config.name, asyncio.Lock())
        return AuthorizedApi(self.http, config, self.tokens, lock=lock, clock=self._epoch)

    async def push_collection(self, name: str, collection_id: int) -> dict[str, Any]:
        """Fill, at a Badgr backpack, the collection of that name (see :mod:`collection_push`)."""
        config = await self.get(name)
        return await push_collection(self.library, config, self.api(config), collection_id)

    # --- uploads ---

    async def upload(self, badge_id: str, backpack: str | None = None) -> list[UploadRecord]:
        """Queue ``badge_id`` for ``backpack`` (default: every default backpack that takes it)."""
        record = await self.library.get(badge_id)
        configs = await self.configs()
        if backpack is not None:
            config = configs.get(backpack)
            if config is None:
                raise not_found(backpack)
            check_accepts(config, upload_item(record, None))
            targets = [config]
        else:
            defaults = [c for c in configs.values() if c.default]
            targets = [c for c in defaults if c.accepts(record.spec)]
            if not defaults:
                raise BackpackError(
                    ErrorCode.BACKPACK_NOT_FOUND,
                    "No default backpack is set. Add one with `badgekeeper backpack add NAME "
                    "--default …`, or name one with --to.",
                )
            if not targets:
                raise BackpackError(
                    ErrorCode.BACKPACK_UNSUPPORTED_BADGE,
                    f"None of your default backpacks takes {record.name or record.id!r} (an "
                    f"{'Open Badges 3.0' if record.spec == 'ob3' else 'Open Badges 2.0'} badge). "
                    "Add a backpack of a kind that does, or name one with --to.",
                )
        queued = []
        for config in targets:
            upload, _ = await self.queue.enqueue(record.id, config.name)
            queued.append(upload)
        return queued

    async def drain(
        self, *, backpack: str | None = None, badge_ids: list[str] | None = None
    ) -> DrainReport:
        return await self.queue.drain(backpack=backpack, badge_ids=badge_ids, force=True)

    def badge_saved(self, params: dict[str, Any]) -> None:
        """Auto-upload: called for every ``badge.saved`` event (see :class:`AutoUploadSink`)."""
        badge = params.get("badge")
        if not isinstance(badge, dict) or params.get("status") != "valid":
            return
        badge_id = badge.get("id")
        if isinstance(badge_id, str):
            self._quick.start(self._auto_upload(badge_id), name=f"auto-upload:{badge_id}")

    async def settled(self, timeout: float = QUICK_TASKS_GRACE) -> bool:
        """Wait for the auto-uploads being queued now; False when some are still running."""
        return await self._quick.wait(timeout)

    async def _auto_upload(self, badge_id: str) -> None:
        if await self.library.get_setting(AUTO_UPLOAD_KEY, False) is not True:
            return
        try:
            await self.upload(badge_id)
        except BadgekeeperError as exc:
            log.info("auto-upload of %s skipped: %s", badge_id, exc.code.name)

    # --- the queue's courier ---

    async def deliver(self, badge_id: str, backpack: str) -> Receipt:
        config = await self.get(backpack)
        record = await self.library.get(badge_id)
        image = await self.library.image(badge_id) if config.kind == "badgr" else None
        item = upload_item(record, image)
        check_accepts(config, item)
        return await client_for(self.api(config)).upload(item)

    async def blocked(self, backpack: str) -> BackpackError | None:
        config = (await self.configs()).get(backpack)
        if config is None:
            return not_found(backpack)
        if config.needs_reconnect:
            return reconnect(backpack)
        held = await self._credentials(backpack)
        if held is None or not held.has_token:
            return not_connected(backpack)
        return None

    async def backpack_failed(self, backpack: str, error: BackpackError) -> None:
        if error.code is ErrorCode.BACKPACK_RECONNECT:
            try:
                await self._update(backpack, needs_reconnect=True)
            except BackpackError:
                return
            log.info("backpack %s needs to be connected again", backpack)
