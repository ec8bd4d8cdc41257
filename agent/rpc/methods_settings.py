"""Settings methods: preferences, and the e-mail addresses badges are checked against.

Every change publishes ``settings.changed`` with the whole settings, so every popup shows the
same state without asking again.
"""

from __future__ import annotations

import logging
from typing import Any

from agent.errors import ErrorCode, LibraryError
from agent.rpc.events import SETTINGS_CHANGED
from agent.rpc.params import Params
from agent.rpc.preferences import PREFERENCES, current_preferences
from agent.rpc.registry import Method, method
from agent.rpc.services import AgentServices

log = logging.getLogger(__name__)

MAX_ADDRESS_CHARS = 254  # RFC 5321's limit on a forward path
MAX_LOCAL_CHARS = 64


def check_address(address: str) -> str:
    """The address as it will be kept (trimmed); a ``LibraryError`` saying how to write it."""
    shown = address.strip()
    local, at, domain = shown.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or not local
        or len(local) > MAX_LOCAL_CHARS
        or len(shown) > MAX_ADDRESS_CHARS
        or len(labels) < 2
        or not all(labels)
        or any(ch.isspace() or not ch.isprintable() for ch in shown)
    ):
        raise LibraryError(
            ErrorCode.INVALID_ARGUMENT,
            f"{address[:80]!r} is not an e-mail address. Enter it as name@example.org.",
        )
    return shown


async def current_settings(services: AgentServices) -> dict[str, Any]:
    stored = await services.library.all_settings()
    return {
        "emails": await services.library.emails(),
        "preferences": current_preferences(stored),
    }


async def _changed(services: AgentServices) -> dict[str, Any]:
    settings = await current_settings(services)
    services.events.publish(SETTINGS_CHANGED, settings)
    return settings


async def get_settings(services: AgentServices, params: Params) -> Any:
    return await current_settings(services)


async def set_settings(services: AgentServices, params: Params) -> Any:
    given = params.record("preferences", PREFERENCES)
    if given is None:
        raise params.invalid("preferences", "is required (an object of preferences to change)")
    changes: dict[str, Any] = {}
    for name in given.names():
        value, preference = given.raw(name), PREFERENCES[name]
        if value is not None and not preference.accepts(value):
            raise given.invalid(name, f"{preference.expected}, or null for the default")
        changes[name] = value
    for name, value in changes.items():
        if value is None:
            await services.library.delete_setting(name)
        else:
            await services.library.set_setting(name, value)
    if changes:
        log.info("preferences changed: %s", ", ".join(sorted(changes)))
        return await _changed(services)
    return await current_settings(services)


async def list_emails(services: AgentServices, params: Params) -> Any:
    return {"emails": await services.library.emails()}


async def add_email(services: AgentServices, params: Params) -> Any:
    address = check_address(params.text("address", max_chars=MAX_ADDRESS_CHARS + 100))
    before = await services.library.emails()
    emails = await services.library.add_email(address)
    if emails != before:
        log.info("an e-mail address was added (%d now)", len(emails))
        await _changed(services)
    return {"emails": emails}


async def remove_email(services: AgentServices, params: Params) -> Any:
    address = params.text("address", max_chars=MAX_ADDRESS_CHARS + 100)
    before = await services.library.emails()
    emails = await services.library.remove_email(address)
    if emails != before:
        log.info("an e-mail address was removed (%d now)", len(emails))
        await _changed(services)
    return {"emails": emails}


METHODS: tuple[Method, ...] = (
    method("settings.get", get_settings),
    method("settings.set", set_settings, "preferences", writes=True),
    method("emails.list", list_emails),
    method("emails.add", add_email, "address", writes=True),
    method("emails.remove", remove_email, "address", writes=True),
)
