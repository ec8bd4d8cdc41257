"""The Open Badges 3.0 API: ``POST /credentials`` (upsert), ``GET /credentials``, ``GET /profile``.

A VC-JWT goes as ``text/plain``, a JSON credential as ``application/json``. ``201 Created`` is a
new credential, ``200 OK`` a replaced one (the backpack had it: delivered all the same). Errors
come as ``Imsx_StatusInfo`` (``imsx_codeMajor``, ``imsx_description``, ``imsx_codeMinor``).
"""

from __future__ import annotations

from typing import Any

from agent.backpack import answers
from agent.backpack.answers import Receipt
from agent.backpack.authorized import AuthorizedApi
from agent.backpack.config import BackpackConfig
from agent.backpack.http import HttpAnswer
from agent.backpack.payloads import UploadItem, ob3_body

PAGE_LIMIT = 100
MAX_PAGES = 50


def imsx_description(answer: HttpAnswer) -> str | None:
    document = answer.json_or_none()
    text = document.get("imsx_description") if isinstance(document, dict) else None
    return text if isinstance(text, str) else None


def read_upsert_answer(config: BackpackConfig, item: UploadItem, answer: HttpAnswer) -> Receipt:
    """The receipt, or the error, for an answer to ``POST /credentials``."""
    if answer.status in (200, 201):
        public = answers.html_alternate(answer)
        return Receipt(item.assertion_id, public, duplicate=answer.status == 200)
    if answer.status >= 500:
        raise answers.server_error(config, answer)
    if answer.status == 429:
        raise answers.rate_limited(config, answer)
    description = imsx_description(answer)
    if answer.status == 403:
        raise answers.no_permission(config)
    if answer.status == 400 and description and "recipient" in description.lower():
        raise answers.recipient_mismatch(config, item)
    if answer.status == 400:
        raise answers.rejected(config, item, description)
    raise answers.unexpected(config, answer, "a new credential")


class Ob3ApiClient:
    """An OB 3.0 API backpack, through the server URL of its service description."""

    def __init__(self, api: AuthorizedApi) -> None:
        self.api = api

    @property
    def config(self) -> BackpackConfig:
        return self.api.config

    async def upload(self, item: UploadItem) -> Receipt:
        content_type, body = ob3_body(item)
        answer = await self.api.send(
            "POST",
            self.api.url("/credentials"),
            text=body,
            content_type=content_type,
            headers={"Accept": f"{content_type}, application/json"},
        )
        return read_upsert_answer(self.config, item, answer)

    async def remote_ids(self) -> list[str]:
        ids: list[str] = []
        for page in range(MAX_PAGES):
            query = f"/credentials?limit={PAGE_LIMIT}&offset={page * PAGE_LIMIT}"
            document = await self._get(query, "the list of credentials")
            found = answers.ids_of(document.get("credential"))
            tokens = document.get("compactJwsString") or document.get("compactJwsStrings")
            if isinstance(tokens, list):
                found += [i for i in map(answers.jws_payload_id, tokens) if i is not None]
            ids.extend(found)
            if len(found) < PAGE_LIMIT:
                break
        return ids

    async def account_email(self) -> str | None:
        document = await self._get("/profile", "the profile")
        email = document.get("email")
        return email if isinstance(email, str) and "@" in email else None

    async def _get(self, path: str, what: str) -> dict[str, Any]:
        answer = await self.api.send("GET", self.api.url(path))
        if answer.status >= 500:
            raise answers.server_error(self.config, answer)
        if answer.status == 403:
            raise answers.no_permission(self.config)
        if answer.status != 200:
            raise answers.unexpected(self.config, answer, f"a request for {what}")
        return answer.json_object()
