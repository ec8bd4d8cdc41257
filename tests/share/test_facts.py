"""Which address is shared: backpack page > hosted assertion > credential id > NO_PUBLIC_URL."""

from __future__ import annotations

from typing import Any

import pytest

from agent.errors import ErrorCode
from agent.library import UploadRecord
from agent.share import ShareError, ShareFacts, facts_of, public_url, share_links
from tests.share.factories import ASSERTION_ID, record

PAGE = "https://backpack.example/public/assertions/abc"


def badge_json(**overrides: Any) -> dict[str, Any]:
    return {**record().to_json(), **overrides}


def upload(state: str, url: str | None, updated_at: str = "2024-06-02T00:00:00Z") -> Any:
    return {"backpack": "sandbox", "state": state, "public_url": url, "updated_at": updated_at}


def test_backpack_page_wins_over_the_hosted_assertion() -> None:
    """A delivered upload's public page is what gets shared."""
    badge = badge_json(uploads=[upload("done", PAGE)])
    assert public_url(facts_of(badge)) == PAGE


def test_newest_backpack_page_wins() -> None:
    """With several backpacks, the most recently delivered page is shared."""
    older = {**upload("done", PAGE + "-old", "2024-01-01T00:00:00Z"), "backpack": "b"}
    newer = {**upload("done", PAGE, "2024-05-01T00:00:00Z"), "backpack": "a"}
    assert public_url(facts_of(badge_json(uploads=[older, newer]))) == PAGE


@pytest.mark.parametrize("state", ["queued", "uploading", "failed"])
def test_undelivered_uploads_are_not_shared(state: str) -> None:
    """A page of an upload that is not ``done`` is ignored: the hosted assertion is shared."""
    assert public_url(facts_of(badge_json(uploads=[upload(state, PAGE)]))) == ASSERTION_ID


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://x.example/a", "//x.example", ""])
def test_a_backpack_page_that_is_not_http_is_skipped(bad: str) -> None:
    """Only absolute http(s) addresses are ever shared."""
    assert public_url(facts_of(badge_json(uploads=[upload("done", bad)]))) == ASSERTION_ID


def test_hosted_assertion_id_is_shared() -> None:
    """An OB 2.0 hosted badge shares its assertion's address."""
    assert share_links(record()).url == ASSERTION_ID


def test_ob3_credential_id_is_shared_when_http() -> None:
    """An OB 3.0 credential with an http(s) id shares that id."""
    credential = "https://issuer.example/credentials/9"
    badge = record(spec="ob3", format="data-integrity", assertion_id=credential)
    assert share_links(badge).url == credential


@pytest.mark.parametrize(
    "overrides",
    [
        {"spec": "ob2", "format": "signed", "assertion_id": "urn:uuid:5c5a1b1e-0000-4000-8000-1"},
        {"spec": "ob2", "format": "signed", "assertion_id": "https://issuer.example/a/1"},
        {"spec": "ob3", "format": "vc-jwt", "assertion_id": "urn:uuid:1f0e"},
        {"spec": "ob2", "format": "hosted", "assertion_id": None},
        {"spec": None, "format": None, "assertion_id": "https://issuer.example/a/1"},
    ],
)
def test_no_public_address_says_to_upload_first(overrides: dict[str, Any]) -> None:
    """Signed OB 2.0, urn ids and unknown kinds have no public page: NO_PUBLIC_URL."""
    with pytest.raises(ShareError) as raised:
        share_links(record(**overrides))
    assert raised.value.code is ErrorCode.NO_PUBLIC_URL
    assert "upload it to a backpack first (badgekeeper upload ID)" in raised.value.message


def test_json_of_the_wrong_shape_is_read_as_absent() -> None:
    """A dict with wrong types never raises: those values are simply missing."""
    odd = ShareFacts.from_json(
        {
            "name": 5,
            "issuer": "Example",
            "uploads": {"state": "done"},
            "assertion_id": ["x"],
            "issued_on": {"a": 1},
            "spec": "ob2",
            "format": "hosted",
        }
    )
    assert odd == ShareFacts(spec="ob2", format="hosted")
    with pytest.raises(ShareError):
        public_url(odd)


def test_lone_surrogates_in_json_do_not_break_links() -> None:
    """Text a JSON string can hold but UTF-8 cannot still yields a link."""
    links = share_links(badge_json(name="bad \ud800 name")).links
    assert "name=bad%20%3F%20name&" in links["linkedin"]


def test_a_record_and_its_json_share_the_same_way() -> None:
    """The record and its ``to_json`` shape give the same links."""
    badge = record()
    assert share_links(badge) == share_links(badge.to_json())


def stored_upload(state: str, url: str | None, updated_at: str) -> UploadRecord:
    return UploadRecord(
        badge_id="0123456789ab",
        backpack=f"pack-{updated_at[:4]}",
        state=state,  # type: ignore[arg-type]
        remote_id="r1",
        attempts=1,
        last_error=None,
        updated_at=updated_at,
        public_url=url,
    )


def test_a_record_shares_its_delivered_backpack_page() -> None:
    """On a record: the newest done upload's public_url wins; others are ignored."""
    uploads = (
        stored_upload("done", PAGE + "/old", "2023-01-01T00:00:00Z"),
        stored_upload("done", PAGE, "2024-01-01T00:00:00Z"),
        stored_upload("queued", PAGE + "/queued", "2025-01-01T00:00:00Z"),
    )
    assert share_links(record(uploads=uploads)).url == PAGE
    signed = record(format="signed", assertion_id="urn:uuid:1", uploads=uploads[:1])
    assert share_links(signed).url == PAGE + "/old"
