"""Badge Connect 2.1 (Open Badges 2.1): ``POST /assertions``, ``GET /assertions``, ``GET /profile``.

Answers come in the spec's envelope ``{"status": {"error", "statusCode", "statusText"}, …}``;
``statusText`` says why a request failed (``RECIPIENT_PROFILE_MISMATCH``, ``INVALID_BADGE``,
``PERMISSION_DENIED``, …) and is mapped to our codes here. ``POST /assertions`` creates or
updates, so posting a badge the backpack has is a success too.
"""

from __future__ import annotations

from typing import Any

from agent.backpack import answers
from agent.backpack.answers import Receipt
from agent.backpack.authorized import AuthorizedApi
from agent.backpack.config import BackpackConfig
from agent.backpack.errors import protocol_error
from agent.backpack.http import HttpAnswer
from agent.backpack.payloads import UploadItem, badge_connect_body

PAGE_LIMIT = 100
MAX_PAGES = 50


def envelope_status(answer: HttpAnswer) -> tuple[str | None, str | None]:
    """``(statusText, error)`` from a Badge Connect envelope, when the body is one."""
    document = answer.json_or_none()
    status = document.get("status") if isinstance(document, dict) else None
    if not isinstance(status, dict):
        return None, None
    text, error = status.get("statusText"), status.get("error")
    return (text if isinstance(text, str) else None, error if isinstance(error, str) else None)


def read_post_answer(config: BackpackConfig, item: UploadItem, answer: HttpAnswer) -> Receipt:
    """The receipt, or the error, for an answer to ``POST /assertions``."""
    status_text, error = envelope_status(answer)
    if 200 <= answer.status < 300:
        return Receipt(remote_id=item.assertion_id, public_url=answers.html_alternate(answer))
    if answer.status >= 500:
        raise answers.server_error(config, answer)
    if answer.status == 429:
        raise answers.rate_limited(config, answer)
    if "DUPLICATE_BADGE" in (error or "") or status_text == "DUPLICATE_BADGE":
        return Receipt(item.assertion_id, answers.html_alternate(answer), duplicate=True)
    if answer.status == 403 or status_text == "PERMISSION_DENIED":
        raise answers.no_permission(config)
    if status_text == "RECIPIENT_PROFILE_MISMATCH":
        raise answers.recipient_mismatch(config, item)
    if answer.status == 400:
        raise answers.rejected(config, item, error or status_text)
    raise answers.unexpected(config, answer, "a new assertion")


class BadgeConnectClient:
    """A Badge Connect backpack, through its ``apiBase``."""

    def __init__(self, api: AuthorizedApi) -> None:
        self.api = api

    @property
    def config(self) -> BackpackConfig:
        return self.api.config

    async def upload(self, item: UploadItem) -> Receipt:
        answer = await self.api.send(
            "POST", self.api.url("/assertions"), json_body=badge_connect_body(item)
        )
        return read_post_answer(self.config, item, answer)

    async def remote_ids(self) -> list[str]:
        ids: list[str] = []
        for page in range(MAX_PAGES):
            query = f"/assertions?limit={PAGE_LIMIT}&offset={page * PAGE_LIMIT}"
            document = await self._get(query, "the list of assertions")
            found = answers.ids_of(document.get("assertions"))
            signed = document.get("signedAssertions")
            if isinstance(signed, list):
                found += [i for i in map(answers.jws_payload_id, signed) if i is not None]
            ids.extend(found)
            if len(found) < PAGE_LIMIT:
                break
        return ids

    async def account_email(self) -> str | None:
        document = await self._get("/profile", "the profile")
        profile = document.get("profile")
        email = profile.get("email") if isinstance(profile, dict) else None
        return email if isinstance(email, str) and "@" in email else None

    async def _get(self, path: str, what: str) -> dict[str, Any]:
        answer = await self.api.send("GET", self.api.url(path))
        if answer.status >= 500:
            raise answers.server_error(self.config, answer)
        if answer.status == 403:
            raise answers.no_permission(self.config)
        if answer.status != 200:
            raise answers.unexpected(self.config, answer, f"a request for {what}")
        document = answer.json_object()
        if not isinstance(document.get("status", {}), dict):
            raise protocol_error(answer.host, f"answered {what} outside the Badge Connect envelope")
        return document
