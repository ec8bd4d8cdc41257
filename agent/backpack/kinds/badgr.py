"""Badgr / Canvas Credentials v2: the backpack import, assertions, collections, the user's emails.

Answers come in Badgr's v2 envelope ``{"status": {"success", "description"}, "result": […],
"validationErrors": […], "fieldErrors": {…}}``. Its import answers ``DUPLICATE_BADGE`` for a
badge the account already holds: that is a delivery (the entity is then looked up so its id
and public page are known). ``VERIFY_RECIPIENT_IDENTIFIER`` means the account lacks the badge's
address, which is explained with both addresses.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from agent.backpack import answers
from agent.backpack.answers import Receipt
from agent.backpack.authorized import AuthorizedApi
from agent.backpack.config import BackpackConfig
from agent.backpack.errors import BackpackError, protocol_error
from agent.backpack.http import HttpAnswer
from agent.backpack.payloads import UploadItem, badgr_body


def error_names(document: Any) -> tuple[list[str], list[str]]:
    """``(names, descriptions)`` of the validation and field errors in a v2 answer."""
    names: list[str] = []
    descriptions: list[str] = []
    if not isinstance(document, dict):
        return names, descriptions
    found: list[Any] = []
    for key in ("validationErrors", "fieldErrors"):
        value = document.get(key)
        if isinstance(value, dict):
            for item in value.values():
                found.extend(item if isinstance(item, list) else [item])
        elif isinstance(value, list):
            found.extend(value)
    for item in found[:50]:
        if isinstance(item, dict):
            name, description = item.get("name"), item.get("description")
            if isinstance(name, str):
                names.append(name)
            if isinstance(description, str):
                descriptions.append(description)
        elif isinstance(item, str):
            descriptions.append(item)
            names.append(item)
    status = document.get("status")
    if isinstance(status, dict) and isinstance(status.get("description"), str):
        descriptions.append(status["description"])
    return names, descriptions


def _first_result(answer: HttpAnswer) -> dict[str, Any]:
    document = answer.json_object()
    result = document.get("result")
    first = result[0] if isinstance(result, list) and result else None
    if not isinstance(first, dict):
        raise protocol_error(answer.host, "answered without the imported badge")
    return first


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class BadgrClient:
    """A Badgr v2 backpack under its API base URL."""

    def __init__(self, api: AuthorizedApi) -> None:
        self.api = api

    @property
    def config(self) -> BackpackConfig:
        return self.api.config

    async def upload(self, item: UploadItem) -> Receipt:
        answer = await self.api.send(
            "POST", self.api.url("/v2/backpack/import"), json_body=badgr_body(item)
        )
        if answer.status in (200, 201):
            first = _first_result(answer)
            return Receipt(_text(first.get("entityId")), _text(first.get("shareUrl")))
        self._raise_common(answer)
        names, descriptions = error_names(answer.json_or_none())
        if "DUPLICATE_BADGE" in names:
            return await self._existing(item)
        if "VERIFY_RECIPIENT_IDENTIFIER" in names:
            raise answers.recipient_mismatch(self.config, item)
        if answer.status == 400:
            raise answers.rejected(self.config, item, "; ".join(descriptions[:3]) or None)
        raise answers.unexpected(self.config, answer, "the badge import")

    async def _existing(self, item: UploadItem) -> Receipt:
        """The entity the account already holds for ``item`` (best effort: None when unseen)."""
        try:
            held = await self.assertions()
        except BackpackError:
            return Receipt(None, None, duplicate=True)
        for entity in held:
            if item.assertion_id and entity.get("openBadgeId") == item.assertion_id:
                return Receipt(
                    _text(entity.get("entityId")), _text(entity.get("shareUrl")), duplicate=True
                )
        return Receipt(None, None, duplicate=True)

    def _raise_common(self, answer: HttpAnswer) -> None:
        if answer.status >= 500:
            raise answers.server_error(self.config, answer)
        if answer.status == 429:
            raise answers.rate_limited(self.config, answer)
        if answer.status == 403:
            raise answers.no_permission(self.config)

    async def _result(self, method: str, path: str, what: str, **options: Any) -> list[Any]:
        answer = await self.api.send(method, self.api.url(path), **options)
        if answer.status not in (200, 201):
            self._raise_common(answer)
            raise answers.unexpected(self.config, answer, what)
        result = answer.json_object().get("result")
        if not isinstance(result, list):
            raise protocol_error(answer.host, f"answered {what} without a result list")
        return result

    async def assertions(self) -> list[dict[str, Any]]:
        result = await self._result("GET", "/v2/backpack/assertions", "the list of badges")
        return [entity for entity in result if isinstance(entity, dict)]

    async def remote_ids(self) -> list[str]:
        return [e["entityId"] for e in await self.assertions() if _text(e.get("entityId"))]

    async def account_email(self) -> str | None:
        result = await self._result("GET", "/v2/users/self", "the account")
        user = result[0] if result and isinstance(result[0], dict) else {}
        emails = user.get("emails")
        entries = [e for e in emails if isinstance(e, dict)] if isinstance(emails, list) else []
        entries.sort(key=lambda e: (not e.get("primary"), not e.get("verified")))
        for entry in entries:
            email = entry.get("email")
            if isinstance(email, str) and "@" in email:
                return email
        return None

    async def push_collection(
        self, name: str, description: str, entity_ids: list[str]
    ) -> tuple[str | None, str | None]:
        """Create or update the collection called ``name``; its entity id and share URL."""
        body = {
            "name": name,
            "description": description,
            "published": True,
            "assertions": entity_ids,
        }
        existing = await self._result("GET", "/v2/backpack/collections", "the list of collections")
        match = next(
            (
                c
                for c in existing
                if isinstance(c, dict) and c.get("name") == name and _text(c.get("entityId"))
            ),
            None,
        )
        if match is None:
            result = await self._result(
                "POST", "/v2/backpack/collections", "a new collection", json_body=body
            )
        else:
            path = "/v2/backpack/collections/" + quote(match["entityId"], safe="")
            result = await self._result("PUT", path, "a collection update", json_body=body)
        first = result[0] if result and isinstance(result[0], dict) else {}
        return _text(first.get("entityId")), _text(first.get("shareUrl"))
